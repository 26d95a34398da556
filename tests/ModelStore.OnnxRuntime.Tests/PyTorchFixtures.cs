using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.States;

namespace ModelStore.OnnxRuntime.Tests;

/// <summary>Fixtures made at test time by Debian's Python and PyTorch (python3-torch), and states published from them.</summary>
internal static class PyTorchFixtures
{
    /// <summary>Runs <c>Fixtures/{script} make FOLDER</c> in a new temporary folder; returns the folder and its manifest.json.</summary>
    public static (string Folder, JsonElement Manifest) Make(string script)
    {
        var folder = Directory.CreateTempSubdirectory("modelstore-onnx-").FullName;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Fixtures", script));
        start.ArgumentList.Add("make");
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{script} failed: {error.Result}{output.Result}");
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "manifest.json")));
        return (folder, document.RootElement.Clone());
    }

    /// <summary>Copies <paramref name="source"/> where a build would have put it (<paramref name="relative"/> under the app folder) and describes it as the build does.</summary>
    public static PretrainedState Publish(string source, string relative, string key)
    {
        var path = Path.Combine(AppContext.BaseDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(source, path, overwrite: true);
        var bytes = File.ReadAllBytes(path);
        return new PretrainedState(key, "local", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, relative);
    }

    /// <summary>Deletes what <see cref="Publish"/> copied to <paramref name="relative"/>, if a test published it.</summary>
    public static void Unpublish(string relative)
    {
        var copy = Path.Combine(AppContext.BaseDirectory, relative);
        if (File.Exists(copy))
        {
            File.Delete(copy);
        }
    }
}
