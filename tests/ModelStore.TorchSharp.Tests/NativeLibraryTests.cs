using System.Diagnostics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>TorchSharp's native library loads (build/torchsharp fixed the copy in the output folder, never the package cache).</summary>
[TestClass]
public sealed class NativeLibraryTests
{
    private static readonly string Patcher = Path.Combine(RepositoryRoot(), "build", "torchsharp", "patch-libtorchsharp.py");

    [TestMethod]
    public void TorchSharp_native_library_loads_and_computes()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a * 2;
        CollectionAssert.AreEqual(new float[] { 2, 4, 6 }, b.data<float>().ToArray());
    }

    [TestMethod]
    public void The_patcher_changes_one_flag_of_a_copy_keeps_its_time_and_is_idempotent()
    {
        var original = PackageLibrary();
        var folder = PyTorchProcess.NewFolder();
        try
        {
            var copy = Path.Combine(folder, "libLibTorchSharp.so");
            var linked = Path.Combine(folder, "hard-link-like-a-package-cache.so");
            File.Copy(original, copy);
            var time = new DateTime(2026, 5, 7, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(copy, time);
            Assert.AreEqual(0, Link(copy, linked), "link(2) failed");
            var before = File.ReadAllBytes(copy);

            var check = RunPatcher("--check", copy);
            if (SystemProvidesVersion(check))
            {
                StringAssert.Contains(RunPatcher(copy), "nothing to patch");
                CollectionAssert.AreEqual(before, File.ReadAllBytes(copy), "a system that has GLIBCXX_3.4.32 gets no patch");
                return;
            }

            StringAssert.Contains(check, "would patch");
            CollectionAssert.AreEqual(before, File.ReadAllBytes(copy), "--check must not write");

            StringAssert.Contains(RunPatcher(copy), "marked GLIBCXX_3.4.32 weak");
            var after = File.ReadAllBytes(copy);
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
            Assert.HasCount(1, changed, "exactly one byte (vna_flags) changes");
            Assert.AreEqual(before[changed[0]] | 2, after[changed[0]], "VER_FLG_WEAK is set");
            Assert.AreEqual(time, File.GetLastWriteTimeUtc(copy), "the modification time is kept so incremental copies stay quiet");
            CollectionAssert.AreEqual(before, File.ReadAllBytes(linked), "a hard link (a package cache) must not be written through");

            StringAssert.Contains(RunPatcher(copy), "already weak");
            CollectionAssert.AreEqual(after, File.ReadAllBytes(copy));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void The_build_patched_the_output_folders_library_and_not_the_package_cache()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        var check = RunPatcher("--check", output);
        if (SystemProvidesVersion(check))
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(PackageLibrary()), File.ReadAllBytes(output), "no patch is needed here, so none is made");
            return;
        }

        StringAssert.Contains(check, "already weak");
        StringAssert.Contains(RunPatcher("--check", PackageLibrary()), "would patch");
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; this one call does not warrant it
    [DllImport("libc", EntryPoint = "link")]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
#pragma warning restore SYSLIB1054

    private static bool SystemProvidesVersion(string patcherOutput) =>
        patcherOutput.Contains("system libstdc++ provides", StringComparison.Ordinal);

    private static string RunPatcher(params string[] arguments)
    {
        var start = new ProcessStartInfo(PyTorchProcess.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Patcher);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, output);
        return output;
    }

    private static string PackageLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.IsTrue(File.Exists(path), $"TorchSharp's package is not at {path}");
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "build", "torchsharp", "patch-libtorchsharp.py")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above the test's output folder.");
    }
}
