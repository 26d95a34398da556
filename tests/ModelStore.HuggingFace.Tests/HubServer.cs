using ModelStore.HuggingFace.Testing;

namespace ModelStore.HuggingFace.Tests;

/// <summary>One fake Hub for the whole assembly (tests run one at a time; each uses repositories of its own).</summary>
[TestClass]
public static class HubServer
{
    public static FakeHuggingFaceHub Hub { get; private set; } = null!;

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext _) => Hub = await FakeHuggingFaceHub.StartAsync();

    [AssemblyCleanup]
    public static async Task StopAsync() => await Hub.DisposeAsync();

    /// <summary>A fresh repository id (<c>acme/{prefix}-{n}</c>) created on the Hub.</summary>
    public static string NewRepository(string prefix = "repo", string repoType = "model", bool isPrivate = false, bool isGated = false, bool lfsForWeights = true)
    {
        var id = $"acme/{prefix}-{Guid.NewGuid():N}"[..Math.Min(60, $"acme/{prefix}-".Length + 12)];
        Hub.AddRepository(id, repoType, isPrivate, isGated, lfsForWeights);
        return id;
    }

    /// <summary>Puts the fault knobs back to a healthy Hub.</summary>
    public static void Heal()
    {
        Hub.Stall = TimeSpan.Zero;
        Hub.RateLimit(0, 0);
        Hub.FailNext(0, 0);
        Hub.TreePageSize = 1000;
        Hub.Storage.CutConnections = 0;
        Hub.Storage.Stall = TimeSpan.Zero;
        Hub.ExpireNextStorageAddresses(0);
    }
}
