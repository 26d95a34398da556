using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.HuggingFace.Tests;

/// <summary>
/// Every read behaviour of the store contract on a Hub repository in MoZuMa's layout (under a base path), with states
/// stored as large (LFS) files: metadata from the Hub's redirect, bytes from the storage host.
/// </summary>
[TestClass]
public sealed class HuggingFaceConformanceTests : ReadOnlyStateStoreConformanceTests
{
    [TestCleanup]
    public void HealHub() => HubServer.Heal();

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new HuggingFaceStateStore(HubServer.NewRepository("conformance"), new HuggingFaceStoreOptions
        {
            Endpoint = HubServer.Hub.Endpoint,
            BasePath = "team/states",
            EnvironmentVariables = TestEnvironment.Empty,
        }));

    protected override Task SeedAsync(IStateStore store, StateKey key, Stream content)
    {
        var hub = (HuggingFaceStateStore)store;
        HubServer.Hub.CommitFile(hub.Repository, hub.GetFilePath(key), content);
        return Task.CompletedTask;
    }
}

/// <summary>The same read behaviours with every file stored in Git (served by the Hub itself, checked by Git blob id), at the repository's root.</summary>
[TestClass]
public sealed class HuggingFaceGitFileConformanceTests : ReadOnlyStateStoreConformanceTests
{
    // The Hub keeps files above 10 MB out of Git; 16 MiB still streams through many buffers.
    protected override long LargeStateSize => 16L * 1024 * 1024;

    [TestCleanup]
    public void HealHub() => HubServer.Heal();

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new HuggingFaceStateStore(HubServer.NewRepository("git-files", lfsForWeights: false), new HuggingFaceStoreOptions
        {
            Endpoint = HubServer.Hub.Endpoint,
            EnvironmentVariables = TestEnvironment.Empty,
        }));

    protected override Task SeedAsync(IStateStore store, StateKey key, Stream content)
    {
        var hub = (HuggingFaceStateStore)store;
        HubServer.Hub.CommitFile(hub.Repository, hub.GetFilePath(key), content);
        return Task.CompletedTask;
    }
}
