using System.Security.Cryptography;
using System.Text;
using ModelStore.Cli;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli.Tests;

/// <summary>Many states, few lines (issue 20): <c>restore</c> shows one progress line for all its states; <c>--verbose</c> lists each.</summary>
[TestClass]
public sealed class CliRestoreProgressTests
{
    private const int Count = 40;

    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create() => _work = Directory.CreateTempSubdirectory("modelstore-cli-restore-progress-").FullName;

    [TestCleanup]
    public void Delete() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task Restore_of_many_states_prints_one_progress_line_and_the_summary_not_a_line_per_state()
    {
        var project = await WriteProjectAsync();

        var (exit, output, error) = await RunAsync("restore", project);

        Assert.AreEqual(0, exit, error);
        var outputLines = Lines(output);
        Assert.HasCount(1, outputLines, output);
        StringAssert.Contains(outputLines[0], $"{Count} states in ");
        StringAssert.Contains(outputLines[0], $"{Count} fetched, 0 already cached, 0 failed");
        var progressLines = Lines(error);
        Assert.IsTrue(progressLines.Length is >= 1 and <= 3, "A log gets a progress line every few seconds, not one per state: " + error);
        StringAssert.StartsWith(progressLines[0], "restore: ");
        StringAssert.Contains(progressLines[0], $"/{Count} states: ");
        Assert.IsFalse(error.Contains("pytorch/", StringComparison.Ordinal), "No state is named: " + error);
    }

    [TestMethod]
    public async Task Restore_with_verbose_lists_each_state_and_quiet_shows_no_progress()
    {
        var project = await WriteProjectAsync();

        var verbose = await RunAsync("restore", project, "--verbose");
        var quiet = await RunAsync("restore", project, "--quiet");

        Assert.AreEqual(0, verbose.Exit, verbose.Error);
        Assert.HasCount(Count, Lines(verbose.Output).Where(line => line.StartsWith("fetched  pytorch/small-net.part", StringComparison.Ordinal)).ToList(), verbose.Output);
        Assert.AreEqual(0, quiet.Exit, quiet.Error);
        Assert.AreEqual(string.Empty, quiet.Error);
        StringAssert.Contains(quiet.Output, $"0 fetched, {Count} already cached");
    }

    [TestMethod]
    public async Task The_line_is_redrawn_in_place_on_a_terminal_and_counts_every_kind_of_outcome()
    {
        var folder = Path.Combine(_work, "states");
        var store = new LocalStateStore(folder);
        var cached = StateKey.Parse("pytorch/small-net.part0.v1");
        var fetched = StateKey.Parse("pytorch/small-net.part1.v1");
        await store.WriteAsync(cached, new MemoryStream(new byte[10]), cancellationToken: TestContext.CancellationToken);
        await store.WriteAsync(fetched, new MemoryStream(new byte[2000]), cancellationToken: TestContext.CancellationToken);
        var stores = new StoreCatalog();
        stores.Add("local", store);
        var cache = new Caching.StateCache(Path.Combine(_work, "cache"));
        await new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores }).ResolveAsync(new StateRequest(cached, "local"), TestContext.CancellationToken);
        using var terminal = new StringWriter();
        var progress = new StatesProgress(terminal, "restore:", 3, interactive: true);

        var outcomes = await new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, Resolved = progress, MaxParallelFetches = 1 })
            .ResolveAllAsync([new StateRequest(cached, "local"), new StateRequest(fetched, "local"), new StateRequest(StateKey.Parse("pytorch/small-net.missing.v1"), "local")], TestContext.CancellationToken);
        progress.Complete();

        Assert.AreEqual(StateSource.Cache, outcomes[0].Source);
        Assert.AreEqual(StateSource.Store, outcomes[1].Source);
        Assert.IsNotNull(outcomes[2].Failure);
        StringAssert.StartsWith(terminal.ToString(), "\rrestore: 1/3 states");
        Assert.AreEqual(1, terminal.ToString().Count(c => c == '\n'), "One line, ended once: " + terminal);
        StringAssert.Contains(progress.Line(), "3/3 states: 1 fetched (2.0 KB");
        StringAssert.EndsWith(progress.Line(), "1 cached, 1 failed");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // A project folder with a local store of Count states and the lock file that pins them.
    private async Task<string> WriteProjectAsync()
    {
        var project = Path.Combine(_work, "app");
        var states = new LocalStateStore(Path.Combine(project, "states"));
        var entries = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            var key = StateKey.Parse($"pytorch/small-net.part{i}.v1");
            var bytes = RandomNumberGenerator.GetBytes(4096);
            await states.WriteAsync(key, new MemoryStream(bytes), cancellationToken: TestContext.CancellationToken);
            entries.Append(i == 0 ? "" : ",\n").Append($$"""    "{{key}}": { "store": "local", "sha256": "{{Convert.ToHexStringLower(SHA256.HashData(bytes))}}", "size": {{bytes.Length}} }""");
        }

        await File.WriteAllTextAsync(Path.Combine(project, StateLockFile.FileName), $$"""
            {
              "version": 1,
              "states": {
            {{entries}}
              },
              "stores": {
                "local": { "kind": "Local", "settings": { "Folder": "states" } }
              }
            }
            """, TestContext.CancellationToken);
        return project;
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Path.Combine(_work, "cache")], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
