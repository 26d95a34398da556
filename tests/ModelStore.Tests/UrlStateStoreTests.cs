using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

[TestClass]
public sealed class UrlStateStoreTests
{
    private static readonly StateKey Key = StateKey.Parse("pytorch/resnet18.cls1000.torchvision");
    private static LoopbackFileServer _server = null!;
    private string _root = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _server.DisposeAsync();

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-url-").FullName;
        _server.CutConnections = 0;
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_url_state_is_cached_through_the_resumable_path_after_a_cut_connection()
    {
        var bytes = RandomNumberGenerator.GetBytes(3_000_000);
        var url = _server.Put("models/resnet18-f37072fd.pth?sig=secret-signature".Split('?')[0], bytes);
        var store = new UrlStateStore(Key, new Uri(url + "?sig=secret-signature"));
        _server.CutAfterBytes = 500_000;
        _server.CutConnections = 1;
        var cache = new StateCache(_root);

        var state = await cache.GetOrFetchAsync(store, Key, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), state.Sha256);
        Assert.IsTrue(await store.ExistsAsync(Key, TestContext.CancellationToken));
        Assert.IsFalse(await store.ExistsAsync(StateKey.Parse("pytorch/resnet18.cls1000.other"), TestContext.CancellationToken));
        Assert.AreEqual($"url:{url}?sig=***", store.Id, "The signature never reaches the cache index.");
        var indexes = Directory.EnumerateFiles(Path.Combine(_root, "index"), "*", SearchOption.AllDirectories).ToList();
        Assert.AreEqual(1, indexes.Count);
        Assert.IsFalse(File.ReadAllText(indexes[0]).Contains("secret-signature", StringComparison.Ordinal), "The index names the store without the signature.");
    }

    [TestMethod]
    public async Task Listing_open_and_the_read_only_refusal_follow_the_store_contract()
    {
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        var store = new UrlStateStore(Key, _server.Put("small.pth", bytes));

        var compatible = await store.GetStateKeysAsync(StateType.Parse("pytorch/resnet18.other"), TestContext.CancellationToken);
        var other = await store.GetStateKeysAsync(StateType.Parse("pytorch/resnet50"), TestContext.CancellationToken);
        await using var read = await store.OpenReadAsync(Key, TestContext.CancellationToken);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, TestContext.CancellationToken);
        var refusal = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: TestContext.CancellationToken));
        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => new UrlStateStore(Key, new Uri(_server.BaseAddress, "absent.pth")).OpenReadAsync(Key, TestContext.CancellationToken));

        CollectionAssert.AreEqual(new[] { Key }, compatible.ToArray());
        Assert.AreEqual(0, other.Count);
        CollectionAssert.AreEqual(bytes, copy.ToArray());
        Assert.AreEqual(StateStoreError.ReadOnly, refusal.Error);
        Assert.AreEqual(StateStoreError.NotFound, missing.Error);
    }

    [TestMethod]
    [DataRow("ftp://example.org/a.pt")]
    [DataRow("https://user:hunter2@example.org/a.pt")]
    public void Addresses_that_are_not_plain_http_or_carry_credentials_are_refused(string address)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new UrlStateStore(Key, new Uri(address)));

        Assert.IsFalse(error.Message.Contains("hunter2", StringComparison.Ordinal), error.Message);
    }
}
