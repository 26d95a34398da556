using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests.Caching;

/// <summary>What a killed fetch or a planted link leaves cannot cost a full download again, nor overwrite another file.</summary>
[TestClass]
public sealed class StateCacheDataSafetyTests
{
    private static readonly StateKey Key = StateKey.Parse("pytorch/tiny-mlp.digits.v1");
    private static LoopbackFileServer _server = null!;
    private string _root = null!;
    private StateCache _cache = null!;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServerAsync() => await _server.DisposeAsync();

    [TestInitialize]
    public void CreateCache()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-safety-").FullName;
        _cache = new StateCache(_root);
    }

    [TestCleanup]
    public void DeleteCache() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_fetch_killed_after_the_download_completed_resumes_with_nothing_to_download()
    {
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var store = new UrlStateStore(Key, _server.Put($"{Guid.NewGuid():N}/state.pt", content));
        var path = _cache.GetDownloadPath(store.Id, Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // What the cache's fetch had done when a kill landed between the end of the download and the commit.
        using (ChunkedDownloader.KeepCompletedJournals())
        {
            await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);
        }

        Assert.IsTrue(File.Exists(path + ChunkedDownloader.JournalSuffix), "The complete journal stays until the state is committed.");
        var served = _server.BytesServed;

        var state = await _cache.GetOrFetchAsync(store, Key, cancellationToken: Cancel);

        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(content)), state.Sha256);
        Assert.AreEqual(0, _server.BytesServed - served, "Nothing is downloaded again.");
        Assert.IsFalse(File.Exists(path + ChunkedDownloader.JournalSuffix), "The journal goes once the blob and its entry are in.");
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public async Task A_link_planted_at_the_partial_download_never_makes_a_fetch_write_its_target()
    {
        var content = RandomNumberGenerator.GetBytes(600_000);
        var store = new UrlStateStore(Key, _server.Put($"{Guid.NewGuid():N}/state.pt", content));
        var victim = Path.Combine(_root, "victim.txt");
        File.WriteAllText(victim, "precious");
        var path = _cache.GetDownloadPath(store.Id, Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, victim);
        File.CreateSymbolicLink(path + ChunkedDownloader.JournalSuffix + ".tmp", victim);

        var state = await _cache.GetOrFetchAsync(store, Key, cancellationToken: Cancel);

        Assert.AreEqual("precious", File.ReadAllText(victim));
        CollectionAssert.AreEqual(content, File.ReadAllBytes(state.BlobPath));
    }

    [TestMethod]
    public async Task A_link_planted_at_the_partial_copy_never_makes_a_fetch_write_its_target()
    {
        var content = RandomNumberGenerator.GetBytes(300_000);
        var victim = Path.Combine(_root, "victim.txt");
        File.WriteAllText(victim, "precious");
        const string storeId = "local:/srv/states";
        var stem = Path.GetFileName(_cache.GetDownloadPath(storeId, Key)).Split('.')[0];
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        File.CreateSymbolicLink(Path.Combine(_root, "tmp", stem + ".partial"), victim);

        var state = await _cache.GetOrFetchAsync(storeId, Key, _ => Task.FromResult<Stream>(new MemoryStream(content)), cancellationToken: Cancel);

        Assert.AreEqual("precious", File.ReadAllText(victim));
        CollectionAssert.AreEqual(content, File.ReadAllBytes(state.BlobPath));
    }
}
