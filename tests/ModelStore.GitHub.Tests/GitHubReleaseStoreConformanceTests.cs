using ModelStore.GitHub.Testing;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.GitHub.Tests;

/// <summary>The store contract, with the real Octokit client against the local GitHub-compatible server.</summary>
[TestClass]
public sealed class GitHubReleaseStoreConformanceTests : StateStoreConformanceTests
{
    private FakeGitHubServer _server = null!;

    [TestInitialize]
    public async Task StartServerAsync()
    {
        _server = await FakeGitHubServer.StartAsync();
        _server.AddRepository("acme", "models");
        _server.AddToken("ghp_conformanceToken123", "writer");
    }

    [TestCleanup]
    public async Task StopServerAsync() => await _server.DisposeAsync();

    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new GitHubReleaseStore(
        "acme",
        "models",
        options: new GitHubReleaseStoreOptions
        {
            BaseAddress = _server.BaseAddress,
            // The suite checks streaming, not the gzip level; Fastest keeps the 256 MiB round trip to seconds on
            // a busy machine (the default level is exercised by GitHubReleaseStoreTests).
            CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
            EnvironmentVariables = TestEnvironment.Of(("GH_TOKEN", "ghp_conformanceToken123")),
        }));
}
