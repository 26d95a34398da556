using System.Diagnostics;
using System.Globalization;

namespace ModelStore.Tests.IO;

/// <summary>What of a file the page cache holds, and folders on a disk (where that tells direct from buffered writes).</summary>
internal static class PageCache
{
    /// <summary>The number of the file's pages in the page cache (util-linux <c>fincore</c>).</summary>
    public static int ResidentPages(string file)
    {
        using var fincore = Process.Start(new ProcessStartInfo("fincore", ["--noheadings", "--raw", "--output", "PAGES", file]) { RedirectStandardOutput = true })!;
        var output = fincore.StandardOutput.ReadToEnd();
        fincore.WaitForExit();
        Assert.AreEqual(0, fincore.ExitCode, $"fincore {file}");
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A new folder beside the test assembly: on the disk the repository is on, not on a <c>/tmp</c> that may be a
    /// tmpfs, whose pages are the files themselves.
    /// </summary>
    public static string CreateDiskFolder(string prefix) => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, prefix + Guid.NewGuid().ToString("N"))).FullName;
}
