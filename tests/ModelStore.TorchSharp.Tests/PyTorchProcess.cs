using System.Diagnostics;
using System.Text.Json;
using ModelStore.TorchSharp.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>Runs Fixtures/pytorch_fixtures.py with Debian's Python and PyTorch (python3-torch).</summary>
internal static class PyTorchProcess
{
    public const string Python = "/usr/bin/python3";

    public static string Script => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch_fixtures.py");

    public static void Run(string command, string folder) => Run(Script, command, folder);

    /// <summary>Runs <paramref name="script"/> (a file of Fixtures/) with a command and a folder.</summary>
    public static void Run(string script, string command, string folder)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.IsPathRooted(script) ? script : Path.Combine(AppContext.BaseDirectory, "Fixtures", script));
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(script)} {command} did not finish in 2 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(script)} {command} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
    }

    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"modelstore-torchsharp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static JsonElement ReadJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    public static string Hex(Tensor tensor)
    {
        using var dense = tensor.contiguous();
        using var buffer = new MemoryStream();
        TensorMemory.ForEachChunk(dense, chunk => buffer.Write(chunk.Span));
        return Convert.ToHexStringLower(buffer.ToArray());
    }

    /// <summary>Asserts that <paramref name="actual"/> holds exactly the tensors PyTorch described (names, dtypes, shapes, bytes).</summary>
    public static void AssertTensors(JsonElement expected, IReadOnlyDictionary<string, Tensor> actual, string what)
    {
        CollectionAssert.AreEquivalent(expected.EnumerateObject().Select(p => p.Name).ToList(), actual.Keys.ToList(), $"{what}: tensor names");
        foreach (var property in expected.EnumerateObject())
        {
            var tensor = actual[property.Name];
            Assert.AreEqual(property.Value.GetProperty("dtype").GetString(), TestModels.DTypeName(tensor.dtype), $"{what}: {property.Name} dtype");
            CollectionAssert.AreEqual(property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), tensor.shape, $"{what}: {property.Name} shape");
            Assert.AreEqual(property.Value.GetProperty("hex").GetString(), Hex(tensor), $"{what}: {property.Name} bytes");
        }
    }

    public static Tensor Input(JsonElement input)
    {
        var shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var values = input.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return tensor(values).reshape(shape);
    }

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetSingle())];

    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-5f + (1e-4f * Math.Abs(expected[i]));
            Assert.IsLessThanOrEqualTo(tolerance, Math.Abs(expected[i] - actual[i]), $"{what}: output {i} is {actual[i]}, PyTorch gives {expected[i]}");
        }
    }

    public static float[] Output(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using (no_grad())
        {
            using var output = model.forward(input);
            return output.reshape(-1).data<float>().ToArray();
        }
    }
}
