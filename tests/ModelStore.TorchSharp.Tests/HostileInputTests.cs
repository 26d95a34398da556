using System.Buffers.Binary;
using System.Text;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.PyTorch;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>Malicious or broken files are refused with a typed error, and nothing in them is executed.</summary>
[TestClass]
public sealed class HostileInputTests
{
    [TestMethod]
    [DataRow("os", "system")]
    [DataRow("posix", "system")]
    [DataRow("subprocess", "Popen")]
    [DataRow("builtins", "eval")]
    public void A_pickle_naming_a_callable_outside_the_allow_list_is_refused_and_not_run(string module, string name)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"modelstore-pwned-{Guid.NewGuid():N}");
        // What pickle emits for an object whose __reduce__ returns (os.system, ("touch marker",)).
        var pickle = new List<byte> { 0x80, 2, (byte)'c' };
        pickle.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        pickle.Add((byte)'X');
        var command = Encoding.UTF8.GetBytes($"touch {marker}");
        pickle.AddRange(BitConverter.GetBytes(command.Length));
        pickle.AddRange(command);
        pickle.AddRange([0x85, (byte)'R', (byte)'.']);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive([.. pickle]))));

        Assert.AreEqual(StateFormatError.ForbiddenGlobal, error.FormatError);
        StringAssert.Contains(error.Message, $"'{module}.{name}'");
        StringAssert.Contains(error.Message, "nothing was executed");
        Assert.IsFalse(File.Exists(marker));
    }

    [TestMethod]
    public void A_forbidden_global_reached_through_STACK_GLOBAL_is_refused()
    {
        byte[] pickle = [0x80, 4, 0x8c, 8, .. "builtins"u8, 0x8c, 4, .. "exec"u8, 0x93, 0x8c, 1, (byte)'1', 0x85, (byte)'R', (byte)'.'];

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive(pickle))));

        Assert.AreEqual(StateFormatError.ForbiddenGlobal, error.FormatError);
    }

    [TestMethod]
    [DataRow(new byte[] { 0x80, 2, (byte)'i', (byte)'o', (byte)'s', 10, (byte)'s', (byte)'y', (byte)'s', (byte)'t', (byte)'e', (byte)'m', 10, (byte)'.' }, DisplayName = "INST")]
    [DataRow(new byte[] { 0x80, 2, (byte)'(', (byte)'o', (byte)'.' }, DisplayName = "OBJ")]
    [DataRow(new byte[] { 0x80, 2, (byte)'S', (byte)'\'', (byte)'x', (byte)'\'', 10, (byte)'.' }, DisplayName = "STRING")]
    [DataRow(new byte[] { 0x80, 2, (byte)'P', (byte)'1', 10, (byte)'.' }, DisplayName = "PERSID")]
    public void Opcodes_a_state_dict_does_not_use_are_refused(byte[] pickle)
    {
        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive(pickle))));

        Assert.AreEqual(StateFormatError.UnsupportedPickle, error.FormatError);
    }

    [TestMethod]
    public void A_truncated_archive_is_refused_wherever_it_is_cut()
    {
        var whole = ValidArchive();
        for (var length = 0; length < whole.Length; length += 7)
        {
            var cut = whole[..length];
            var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(cut)).Dispose(), $"cut at {length} of {whole.Length}");
            Assert.IsTrue(error.FormatError is StateFormatError.Truncated or StateFormatError.UnknownFormat or StateFormatError.Corrupt, $"cut at {length}: {error.FormatError}");
        }

        var half = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(whole[..(whole.Length / 2)])));
        Assert.AreEqual(StateFormatError.Truncated, half.FormatError);
    }

    [TestMethod]
    public void A_storage_declaring_more_elements_than_its_entry_holds_is_refused()
    {
        var pickle = new StateDictPickleWriter();
        pickle.AddTensor("weight", "FloatStorage", "0", elementCount: 1_000_000_000, shape: [4]);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive(pickle.Finish(), new byte[16]))));

        Assert.AreEqual(StateFormatError.SizeMismatch, error.FormatError);
        StringAssert.Contains(error.Message, "'0' declares 1000000000 elements");
    }

    [TestMethod]
    public void A_view_reaching_past_its_storage_is_refused()
    {
        var pickle = new StateDictPickleWriter();
        pickle.AddTensor("weight", "FloatStorage", "0", elementCount: 4, shape: [100]);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive(pickle.Finish(), new byte[16]))));

        Assert.AreEqual(StateFormatError.SizeMismatch, error.FormatError);
    }

    [TestMethod]
    public void A_zip_entry_declaring_a_size_larger_than_the_file_is_refused()
    {
        var archive = ValidArchive();
        // Make the central directory claim that archive/data/0 holds 2 GB.
        var name = Encoding.ASCII.GetBytes("archive/data/0");
        var at = LastIndexOf(archive, name) - 46;
        Assert.AreEqual(0x02014b50u, BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(at)));
        BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(at + 20), 0x7FFFFFF0);
        BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(at + 24), 0x7FFFFFF0);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(archive)));

        Assert.AreEqual(StateFormatError.SizeMismatch, error.FormatError);
        StringAssert.Contains(error.Message, "archive/data/0");
    }

    [TestMethod]
    [DataRow("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16, StateFormatError.Corrupt, "overlap", DisplayName = "overlapping offsets")]
    [DataRow("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, StateFormatError.SizeMismatch, "the data holds 8 bytes", DisplayName = "offset past the data")]
    [DataRow("""{"a":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,8]}}""", 8, StateFormatError.SizeMismatch, "spans 8 bytes", DisplayName = "shape larger than its bytes")]
    [DataRow("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, StateFormatError.SizeMismatch, "[8, 0)", DisplayName = "reversed offsets")]
    [DataRow("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8, StateFormatError.Corrupt, "non-negative", DisplayName = "negative offset")]
    [DataRow("""{"a":{"dtype":"Q99","shape":[2],"data_offsets":[0,8]}}""", 8, StateFormatError.UnsupportedDType, "Q99", DisplayName = "unknown dtype")]
    [DataRow("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, StateFormatError.Corrupt, "twice", DisplayName = "duplicate name")]
    [DataRow("""{"a":{"dtype":"F32","shape":[2]""", 8, StateFormatError.Corrupt, "JSON", DisplayName = "broken JSON")]
    public void A_safetensors_header_that_does_not_fit_its_data_is_refused(string header, int dataLength, StateFormatError expected, string message)
    {
        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Safetensors(header, dataLength))));

        Assert.AreEqual(expected, error.FormatError);
        StringAssert.Contains(error.Message, message);
    }

    [TestMethod]
    public void A_safetensors_header_with_text_that_is_not_unicode_is_refused_as_corrupt()
    {
        // A bad byte in __metadata__ (the JSON is well formed, the text is not UTF-8), and an escaped lone surrogate in a name.
        var badByte = Safetensors("""{"__metadata__":{"note":"caf?"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8);
        badByte[badByte.AsSpan().IndexOf("caf?"u8) + 3] = 0xFF;
        var surrogate = Safetensors("""{"\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8);

        var notUtf8 = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(badByte)));
        var notUnicode = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(surrogate)));

        Assert.AreEqual(StateFormatError.Corrupt, notUtf8.FormatError);
        StringAssert.Contains(notUtf8.Message, $"not valid UTF-8 (at byte {badByte.AsSpan().IndexOf((byte)0xFF)})");
        Assert.AreEqual(StateFormatError.Corrupt, notUnicode.FormatError);
        StringAssert.Contains(notUnicode.Message, "not valid Unicode");
    }

    [TestMethod]
    public void A_safetensors_header_longer_than_the_file_is_refused_before_allocating_it()
    {
        var file = Safetensors("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8);
        BinaryPrimitives.WriteUInt64LittleEndian(file, 90_000_000);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(file)));

        Assert.AreEqual(StateFormatError.Truncated, error.FormatError);

        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue / 2);
        Assert.AreEqual(StateFormatError.Corrupt, Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(file))).FormatError);
    }

    [TestMethod]
    public void Bytes_that_are_no_state_format_are_refused_by_content()
    {
        Assert.AreEqual(StateFormatError.UnknownFormat, Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream("hello, world"u8.ToArray()))).FormatError);
        Assert.AreEqual(StateFormatError.UnknownFormat, Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream([]))).FormatError);
        // The legacy format's magic number alone: recognised, then cut short where the protocol version should follow.
        byte[] legacy = [0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.'];
        Assert.AreEqual(StateFormat.PyTorchLegacy, StateFormatDetector.Detect(legacy));
        Assert.AreEqual(StateFormatError.Truncated, Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(legacy))).FormatError);
    }

    [TestMethod]
    public void A_big_endian_archive_is_refused()
    {
        var pickle = new StateDictPickleWriter();
        pickle.AddTensor("weight", "FloatStorage", "0", elementCount: 4, shape: [4]);

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(Archive(pickle.Finish(), new byte[16], byteOrder: "big"))));

        Assert.AreEqual(StateFormatError.UnsupportedFeature, error.FormatError);
        StringAssert.Contains(error.Message, "'big'-endian");
    }

    [TestMethod]
    public void A_compressed_archive_is_refused_with_the_reason()
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("archive/data.pkl", System.IO.Compression.CompressionLevel.Optimal).Open();
            entry.Write(new byte[200]);
        }

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(stream.ToArray())));

        Assert.AreEqual(StateFormatError.UnsupportedFeature, error.FormatError);
        StringAssert.Contains(error.Message, "compressed");
    }

    private static byte[] ValidArchive()
    {
        using var a = arange(12, ScalarType.Float32).reshape(3, 4);
        using var b = tensor(new long[] { 1, 2, 3 });
        using var stream = new MemoryStream();
        StateWriter.Write(stream, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, StateFormat.PyTorch);
        return stream.ToArray();
    }

    private static byte[] Archive(byte[] pickle, byte[]? storage = null, string? byteOrder = null)
    {
        using var stream = new MemoryStream();
        var zip = new ZipWriter(stream);
        zip.AddEntry("archive/data.pkl", pickle);
        if (byteOrder is not null)
        {
            zip.AddEntry("archive/byteorder", Encoding.ASCII.GetBytes(byteOrder));
        }

        if (storage is not null)
        {
            zip.AddEntry("archive/data/0", storage);
        }

        zip.AddEntry("archive/version", "3\n"u8);
        zip.Finish();
        return stream.ToArray();
    }

    private static byte[] Safetensors(string header, int dataLength)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    private static int LastIndexOf(byte[] data, byte[] pattern) => data.AsSpan().LastIndexOf(pattern);
}
