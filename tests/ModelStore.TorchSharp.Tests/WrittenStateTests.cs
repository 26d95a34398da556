using System.Text.Json;
using ModelStore.TorchSharp.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>States written here are loaded by real PyTorch (one python process for the class) with the same tensors and outputs.</summary>
[TestClass]
public sealed class WrittenStateTests
{
    private static readonly string[] Architectures = ["mlp", "cnn", "residual"];
    private static readonly string[] DTypes = ["float32", "float16", "bfloat16"];
    private static readonly Dictionary<string, (Dictionary<string, string> Tensors, float[] Output)> s_written = [];
    private static string s_folder = null!;
    private static JsonElement s_result;

    [ClassInitialize]
    public static async Task WriteStatesAndLoadThemInPyTorch(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        var request = new List<object>();
        foreach (var architecture in Architectures)
        {
            foreach (var dtype in DTypes)
            {
                foreach (var format in new[] { StateFormat.PyTorch, StateFormat.Safetensors })
                {
                    var name = $"{architecture}-{dtype}-{format}";
                    using var model = TestModels.Build(architecture);
                    TestModels.Warm(model, architecture, seed: name.Length);
                    model.to(TestModels.DType(dtype));
                    var path = Path.Combine(s_folder, name + (format == StateFormat.PyTorch ? ".pt" : ".safetensors"));
                    await model.SaveStateAsync(path, format);
                    var tensors = model.state_dict().ToDictionary(p => p.Key, p => PyTorchProcess.Hex(p.Value));

                    manual_seed(11);
                    using var input = randn(TestModels.InputShape(architecture));
                    model.to(ScalarType.Float32);
                    s_written[name] = (tensors, PyTorchProcess.Output(model, input));
                    request.Add(new
                    {
                        name,
                        file = path,
                        format = format == StateFormat.PyTorch ? "pytorch" : "safetensors",
                        arch = architecture,
                        dtype,
                        input = new { shape = input.shape, values = input.reshape(-1).data<float>().ToArray() },
                    });
                }
            }
        }

        // Plain tensors of the integer and wide types, with an empty and a zero-dimensional one.
        var plain = new Dictionary<string, Tensor>
        {
            ["counts"] = arange(-6, 6, ScalarType.Int64).reshape(3, 4) * 1_000_000_007L,
            ["wide"] = linspace(-1, 1, 7, ScalarType.Float64),
            ["scalar"] = tensor(42L),
            ["empty"] = zeros([0, 3], ScalarType.Int64),
        };
        foreach (var format in new[] { StateFormat.PyTorch, StateFormat.Safetensors })
        {
            var name = $"plain-{format}";
            var path = Path.Combine(s_folder, name);
            using (var stream = File.Create(path))
            {
                StateWriter.Write(stream, plain, format);
            }

            s_written[name] = (plain.ToDictionary(p => p.Key, p => PyTorchProcess.Hex(p.Value)), []);
            request.Add(new { name, file = path, format = format == StateFormat.PyTorch ? "pytorch" : "safetensors" });
        }

        await File.WriteAllTextAsync(Path.Combine(s_folder, "request.json"), JsonSerializer.Serialize(request));
        PyTorchProcess.Run("verify", s_folder);
        s_result = PyTorchProcess.ReadJson(Path.Combine(s_folder, "result.json"));
    }

    [ClassCleanup]
    public static void DeleteStates() => Directory.Delete(s_folder, recursive: true);

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("residual")]
    public void PyTorch_loads_states_written_here_with_the_same_tensors_and_outputs(string architecture)
    {
        foreach (var dtype in DTypes)
        {
            foreach (var format in new[] { StateFormat.PyTorch, StateFormat.Safetensors })
            {
                var name = $"{architecture}-{dtype}-{format}";
                var result = ResultFor(name);
                var (tensors, output) = s_written[name];
                AssertSameTensors(tensors, result, name);
                PyTorchProcess.AssertClose(output, PyTorchProcess.Floats(result.GetProperty("output")), name);
            }
        }
    }

    [TestMethod]
    [DataRow("plain-PyTorch")]
    [DataRow("plain-Safetensors")]
    public void PyTorch_reads_int64_float64_empty_and_scalar_tensors_written_here(string name) =>
        AssertSameTensors(s_written[name].Tensors, ResultFor(name), name);

    private static JsonElement ResultFor(string name)
    {
        var result = s_result.GetProperty(name);
        if (result.TryGetProperty("error", out var error))
        {
            Assert.Fail($"PyTorch could not load {name}: {error.GetString()}");
        }

        return result;
    }

    private static void AssertSameTensors(Dictionary<string, string> expected, JsonElement result, string name)
    {
        var actual = result.GetProperty("tensors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("hex").GetString());
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList(), name);
        foreach (var (tensor, hex) in expected)
        {
            Assert.AreEqual(hex, actual[tensor], $"{name}: {tensor}");
        }
    }
}
