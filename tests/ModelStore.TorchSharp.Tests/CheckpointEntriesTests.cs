using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text.Json;
using ModelStore.TorchSharp.Formats;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>
/// Checkpoints read whole (Fixtures/checkpoint_entries.py, one python process for the class): the entries beside the
/// state dict hold harmless Python values, which become .NET values, and objects of classes no reader knows, which become
/// <see cref="PickledObject"/> placeholders, never run; the state dict keeps the strict allow-list; quantized and sparse
/// tensors are refused with their own codes and the fix.
/// </summary>
[TestClass]
public sealed class CheckpointEntriesTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;

    [ClassInitialize]
    public static void MakeFixtures(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        PyTorchProcess.Run("checkpoint_entries.py", "make", s_folder);
        s_manifest = PyTorchProcess.ReadJson(Path.Combine(s_folder, "manifest.json"));
    }

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    private static JsonElement Expected => s_manifest.GetProperty("hyper_parameters");

    [TestMethod]
    [DataRow("lightning-p2.pt", DisplayName = "pickle protocol 2 (torch.save's default)")]
    [DataRow("lightning-p4.pt", DisplayName = "pickle protocol 4")]
    [DataRow("lightning-p5.pt", DisplayName = "pickle protocol 5")]
    [DataRow("lightning-legacy.pt", DisplayName = "legacy format")]
    public void The_state_dict_beside_harmless_values_and_unknown_objects_loads_bit_identical_and_nothing_runs(string name)
    {
        using var model = TestModels.Build("cnn");

        var report = model.LoadState(Path.Combine(s_folder, name), strict: true);

        Assert.AreEqual("state_dict", report.StateDictPath);
        Assert.IsTrue(report.IsComplete, report.ToString());
        PyTorchProcess.AssertTensors(s_manifest.GetProperty("tensors"), model.state_dict(), name);
        Assert.IsFalse(File.Exists(s_manifest.GetProperty("marker").GetString()), "the posix.system placeholder was run");
    }

    [TestMethod]
    [DataRow("lightning-p2.pt")]
    [DataRow("lightning-p4.pt")]
    [DataRow("lightning-p5.pt")]
    [DataRow("lightning-legacy.pt")]
    public void Harmless_python_values_beside_the_state_dict_are_dotnet_values(string name)
    {
        using var file = StateFile.Open(Path.Combine(s_folder, name));
        var hyper = (IReadOnlyDictionary<object, object?>)file.Entries["hyper_parameters"]!;

        Assert.AreEqual(3L, file.Entries["epoch"]);
        CollectionAssert.AreEqual(Longs(Expected.GetProperty("input_size")), (long[])hyper["input_size"]!, "torch.Size");
        AssertSet(Expected.GetProperty("labels").EnumerateArray().Select(e => (object?)e.GetString()), hyper["labels"], "set");
        AssertSet(Expected.GetProperty("frozen").EnumerateArray().Select(e => (object?)e.GetInt64()), hyper["frozen"], "frozenset");
        Assert.AreEqual(Expected.GetProperty("salt").GetString(), Convert.ToHexStringLower((byte[])hyper["salt"]!), "bytes");
        Assert.IsEmpty((byte[])hyper["empty"]!, "empty bytes");
        Assert.AreEqual(Expected.GetProperty("buffer").GetString(), Convert.ToHexStringLower((byte[])hyper["buffer"]!), "bytearray");
        Assert.AreEqual(Expected.GetProperty("dtype").GetString(), $"torch.{TestModels.DTypeName((ScalarType)hyper["dtype"]!)}");
        Assert.AreEqual(Expected.GetProperty("bf16").GetString(), $"torch.{TestModels.DTypeName((ScalarType)hyper["bf16"]!)}");
        var ordered = (IReadOnlyDictionary<object, object?>)hyper["ordered"]!;
        CollectionAssert.AreEqual(new object[] { "b", "a" }, ordered.Keys.ToArray(), "OrderedDict keeps its order");
        Assert.AreEqual(2L, ordered["b"]);

        foreach (var property in Expected.GetProperty("numpy").EnumerateObject())
        {
            AssertNumPy(property.Value, hyper[property.Name], $"{name}: numpy {property.Name}");
        }

        // The rest of the checkpoint is still there: an optimizer tensor reads bit for bit.
        var optimizer = (IReadOnlyDictionary<object, object?>)((IReadOnlyList<object?>)file.Entries["optimizer_states"]!)[0]!;
        var first = (IReadOnlyDictionary<object, object?>)((IReadOnlyDictionary<object, object?>)optimizer["state"]!)[0L]!;
        using var expAvg = file.ReadTensor((StateTensorInfo)first["exp_avg"]!);
        Assert.AreEqual(s_manifest.GetProperty("exp_avg_0").GetProperty("hex").GetString(), PyTorchProcess.Hex(expAvg));
    }

    [TestMethod]
    [DataRow("lightning-p2.pt")]
    [DataRow("lightning-p4.pt")]
    [DataRow("lightning-legacy.pt")]
    public void Objects_of_unknown_classes_are_placeholders_naming_the_class_with_their_data(string name)
    {
        using var file = StateFile.Open(Path.Combine(s_folder, name));
        var hyper = (IReadOnlyDictionary<object, object?>)file.Entries["hyper_parameters"]!;

        var namespaceObject = (PickledObject)hyper["namespace"]!;
        Assert.AreEqual(Expected.GetProperty("namespace_class").GetString(), namespaceObject.QualifiedName);
        var attributes = (IReadOnlyDictionary<object, object?>)namespaceObject.State!;
        Assert.AreEqual(0.1, attributes["lr"]);
        CollectionAssert.AreEqual(new object[] { 1L, 2L }, ((IReadOnlyList<object?>)attributes["layers"]!).ToArray());

        var config = (PickledObject)hyper["config"]!;
        Assert.AreEqual(Expected.GetProperty("config_class").GetString(), config.QualifiedName);
        Assert.AreEqual("run-7", ((IReadOnlyDictionary<object, object?>)config.State!)["name"]);

        var parameters = (PickledObject)hyper["params"]!;
        Assert.AreEqual(Expected.GetProperty("params_class").GetString(), parameters.QualifiedName);
        Assert.AreEqual(3L, parameters.DictItems["depth"], "a dict subclass keeps its items");

        var tags = (PickledObject)hyper["tags"]!;
        Assert.AreEqual(Expected.GetProperty("tags_class").GetString(), tags.QualifiedName);
        CollectionAssert.AreEqual(new object[] { "x", "y" }, tags.ListItems.ToArray(), "a list subclass keeps its items");

        var device = (PickledObject)hyper["device"]!;
        Assert.AreEqual("torch.device", device.QualifiedName);
        CollectionAssert.AreEqual(new object[] { "cpu" }, device.Arguments.ToArray());

        var payload = (PickledObject)hyper["payload"]!;
        Assert.AreEqual(Expected.GetProperty("payload_class").GetString(), payload.QualifiedName);
        Assert.AreEqual($"touch {s_manifest.GetProperty("marker").GetString()}", payload.Arguments[0], "the call is recorded, not made");
        Assert.AreEqual($"{payload.QualifiedName}(1 arguments)", payload.ToString());
        Assert.IsFalse(File.Exists(s_manifest.GetProperty("marker").GetString()));
    }

    [TestMethod]
    [DataRow("object-in-state-dict.pt", "posix.system", "state-dict entry 'evil'")]
    [DataRow("size-in-state-dict.pt", "torch.Size", "state-dict entry 'shape'")]
    public void Inside_the_state_dict_the_allow_list_stays_strict(string name, string global, string where)
    {
        using var model = TestModels.Build("cnn");
        var before = PyTorchProcess.Hex(model.state_dict()["0.weight"]);

        var error = Assert.ThrowsExactly<StateFormatException>(() => model.LoadState(Path.Combine(s_folder, name)));

        Assert.AreEqual(StateFormatError.ForbiddenGlobal, error.FormatError);
        StringAssert.Contains(error.Message, $"'{global}' in {where}");
        StringAssert.Contains(error.Message, "nothing was executed");
        Assert.AreEqual(before, PyTorchProcess.Hex(model.state_dict()["0.weight"]), "the module is left untouched");
        Assert.IsFalse(File.Exists(s_manifest.GetProperty("marker").GetString()));
    }

    [TestMethod]
    [DataRow("quantized.pt", StateFormatError.QuantizedTensor, "_rebuild_qtensor", ".dequantize()", DisplayName = "quantize_per_tensor")]
    [DataRow("quantized-dynamic.pt", StateFormatError.QuantizedTensor, "_rebuild_qtensor", ".dequantize()", DisplayName = "quantize_dynamic")]
    [DataRow("quantized-dynamic-legacy.pt", StateFormatError.QuantizedTensor, "_rebuild_qtensor", ".dequantize()", DisplayName = "quantize_dynamic, legacy format")]
    [DataRow("sparse-coo.pt", StateFormatError.SparseTensor, "_rebuild_sparse_tensor", ".to_dense()", DisplayName = "sparse COO")]
    [DataRow("sparse-csr.pt", StateFormatError.SparseTensor, "_rebuild_sparse_csr_tensor", ".to_dense()", DisplayName = "sparse CSR")]
    public void Quantized_and_sparse_tensors_are_refused_with_their_own_code_and_the_fix(string name, StateFormatError expected, string global, string fix)
    {
        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, name)));

        Assert.AreEqual(expected, error.FormatError, error.Message);
        StringAssert.Contains(error.Message, global);
        StringAssert.Contains(error.Message, fix);
        Assert.AreEqual(ModelStore.Stores.StateStoreError.InvalidContent, error.Error);
    }

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64())];

    private static void AssertSet(IEnumerable<object?> expected, object? actual, string what)
    {
        var set = actual as IReadOnlySet<object?> ?? throw new AssertFailedException($"{what}: {actual?.GetType().Name ?? "null"} is not a set");
        Assert.IsTrue(set.SetEquals(expected), $"{what}: {string.Join(", ", set)}");
    }

    /// <summary>A NumPy scalar or array against its dtype, shape and little-endian C-order bytes as NumPy dumped them.</summary>
    private static void AssertNumPy(JsonElement expected, object? actual, string what)
    {
        var shape = Longs(expected.GetProperty("shape"));
        var dtype = expected.GetProperty("dtype").GetString();
        IEnumerable elements;
        if (shape.Length == 0)
        {
            Assert.IsNotNull(actual, what);
            Assert.IsNotInstanceOfType<Array>(actual, $"{what}: a 0-d value is a scalar");
            elements = new[] { actual };
        }
        else
        {
            var array = actual as Array ?? throw new AssertFailedException($"{what}: {actual?.GetType().Name ?? "null"} is not an array");
            CollectionAssert.AreEqual(shape, Enumerable.Range(0, array.Rank).Select(axis => (long)array.GetLength(axis)).ToArray(), $"{what}: shape");
            elements = array; // a .NET array enumerates in C (row-major) order
        }

        if (dtype == "object")
        {
            var items = expected.GetProperty("items").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? (object?)e.GetString() : e.GetInt64()).ToArray();
            CollectionAssert.AreEqual(items, elements.Cast<object?>().ToArray(), what);
            return;
        }

        var bytes = new List<byte>();
        foreach (var element in elements)
        {
            Assert.AreEqual(DotNetType(dtype!), element!.GetType(), $"{what}: element type for {dtype}");
            bytes.AddRange(LittleEndian(element));
        }

        Assert.AreEqual(expected.GetProperty("hex").GetString(), Convert.ToHexStringLower([.. bytes]), $"{what}: values");
    }

    private static Type DotNetType(string dtype) => dtype switch
    {
        "float16" => typeof(Half),
        "float32" => typeof(float),
        "float64" => typeof(double),
        "int8" => typeof(sbyte),
        "int32" => typeof(int),
        "int64" => typeof(long),
        "uint16" => typeof(ushort),
        "bool" => typeof(bool),
        "complex128" => typeof(Complex),
        _ => throw new AssertFailedException($"the test knows no .NET type for NumPy's {dtype}"),
    };

    private static byte[] LittleEndian(object value)
    {
        var bytes = new byte[8];
        switch (value)
        {
            case Half h: BinaryPrimitives.WriteHalfLittleEndian(bytes, h); return bytes[..2];
            case float f: BinaryPrimitives.WriteSingleLittleEndian(bytes, f); return bytes[..4];
            case double d: BinaryPrimitives.WriteDoubleLittleEndian(bytes, d); return bytes;
            case sbyte b: return [(byte)b];
            case int i: BinaryPrimitives.WriteInt32LittleEndian(bytes, i); return bytes[..4];
            case long l: BinaryPrimitives.WriteInt64LittleEndian(bytes, l); return bytes;
            case ushort u: BinaryPrimitives.WriteUInt16LittleEndian(bytes, u); return bytes[..2];
            case bool b: return [b ? (byte)1 : (byte)0];
            default: throw new AssertFailedException($"unexpected element {value.GetType().Name}");
        }
    }
}
