namespace ModelStore.Plums.Tests;

/// <summary>The model's YAML files must be UTF-8, as Plums requires: a bad byte is an offence naming the file and offset.</summary>
[TestClass]
public sealed class EncodingTests
{
    [TestMethod]
    public void A_metadata_file_that_is_not_utf8_is_an_encoding_offence_with_the_byte_offset()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var path = Path.Combine(folder["model"], "metadata.yaml");
        var bytes = File.ReadAllBytes(path);
        var offset = Array.IndexOf(bytes, (byte)'m', 10);
        bytes[offset] = 0xE9; // Latin-1 'é': never valid on its own in UTF-8.
        File.WriteAllBytes(path, bytes);

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(folder["model"]));

        var offence = error.Offences.OfType<PlumsEncodingOffence>().Single();
        Assert.AreEqual("metadata.yaml", offence.File);
        Assert.AreEqual(offset, offence.ByteOffset);
        Assert.AreEqual((byte)0xE9, offence.Byte);
        StringAssert.Contains(error.Message, $"byte 0xE9 at offset {offset}");
    }

    [TestMethod]
    public void Build_parameters_that_are_not_utf8_are_a_tree_offence_naming_the_file()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var path = Path.Combine(folder["model"], "data", "build_parameters.yaml");
        File.WriteAllBytes(path, [.. "name: caf"u8.ToArray(), 0xE9, (byte)'\n']);

        var error = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["model"]));

        var offence = error.Offences.OfType<PlumsEncodingOffence>().Single();
        Assert.AreEqual("data/build_parameters.yaml", offence.File);
        Assert.AreEqual(9, offence.ByteOffset);
    }

    [TestMethod]
    public void Valid_utf8_with_a_byte_order_mark_and_non_ascii_text_loads()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var path = Path.Combine(folder["model"], "data", "build_parameters.yaml");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "name: café\n"u8.ToArray()]);

        var model = Model.Load(folder["model"]);

        Assert.AreEqual("café", model.BuildParameters["name"]);
    }
}
