using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests;

[TestClass]
public sealed class StateCacheMirrorTests
{
    private static readonly StateKey Key = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");
    private static readonly byte[] Bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 13)).ToArray();
    private static readonly string Sha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes));

    private string _root = null!;
    private StateCache _cache = null!;
    private CountingStore _origin = null!;
    private readonly List<(string Source, StateStoreError? Error)> _sources = [];

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-mirrors-").FullName;
        _cache = new StateCache(Path.Combine(_root, "cache"));
        _origin = new CountingStore("origin", Bytes);
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_mirror_with_the_locked_bytes_serves_them_and_the_origin_is_never_asked()
    {
        var mirror = await MirrorWithAsync("eu", Bytes);

        var state = await FetchAsync([mirror], Sha256);

        Assert.AreEqual(0, _origin.Opens);
        Assert.AreEqual(Sha256, state.Sha256);
        Assert.AreEqual(_origin.Id, state.StoreId);
        Assert.AreEqual(state, _cache.TryGet(_origin.Id, Key), "Indexed under the origin, so the next fetch is a cache hit.");
        CollectionAssert.AreEqual(new[] { (mirror.Id, (StateStoreError?)null) }, _sources);
    }

    [TestMethod]
    public async Task Mirrors_that_lack_the_state_or_serve_other_bytes_are_skipped_for_the_origin()
    {
        var empty = await MirrorWithAsync("empty", null);
        var tampered = await MirrorWithAsync("tampered", [.. Bytes.Take(1000), 0xFF, .. Bytes.Skip(1001)]);
        var down = new UrlStateStore(Key, new Uri("http://127.0.0.1:9/none.pt"));

        var state = await FetchAsync([empty, tampered, down], Sha256);

        Assert.AreEqual(1, _origin.Opens);
        Assert.AreEqual(Sha256, state.Sha256);
        CollectionAssert.AreEqual(Bytes, await File.ReadAllBytesAsync(state.BlobPath, TestContext.CancellationToken));
        CollectionAssert.AreEqual(
            new[] { (empty.Id, (StateStoreError?)StateStoreError.NotFound), (tampered.Id, StateStoreError.IntegrityMismatch), (down.Id, StateStoreError.Unreachable), (_origin.Id, null) },
            _sources);
        Assert.IsFalse(Directory.EnumerateFiles(Path.Combine(_root, "cache", "blobs"), "*", SearchOption.AllDirectories).Any(blob => Path.GetFileName(blob) != Sha256), "The tampered copy never entered the cache.");
    }

    [TestMethod]
    public async Task Without_a_known_hash_only_the_origin_is_asked()
    {
        var mirror = await MirrorWithAsync("eu", [1, 2, 3]);

        var state = await FetchAsync([mirror], null);

        Assert.AreEqual(1, _origin.Opens);
        Assert.AreEqual(Sha256, state.Sha256);
        CollectionAssert.AreEqual(new[] { (_origin.Id, (StateStoreError?)null) }, _sources);
    }

    [TestMethod]
    public async Task When_every_source_fails_the_origins_error_is_reported()
    {
        var mirror = await MirrorWithAsync("empty", null);
        var origin = new CountingStore("gone", null);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() =>
            _cache.GetOrFetchAsync(origin, [mirror], Key, Sha256, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        StringAssert.Contains(error.Message, "gone");
    }

    private Task<CachedState> FetchAsync(IReadOnlyList<IStateStore> mirrors, string? expected) =>
        _cache.GetOrFetchAsync(_origin, mirrors, Key, expected, (source, error) => _sources.Add((source.Id, error?.Error)), cancellationToken: TestContext.CancellationToken);

    private async Task<LocalStateStore> MirrorWithAsync(string name, byte[]? content)
    {
        var store = new LocalStateStore(Path.Combine(_root, name));
        if (content is not null)
        {
            await store.WriteAsync(Key, new MemoryStream(content), cancellationToken: TestContext.CancellationToken);
        }

        return store;
    }

    private sealed class CountingStore(string name, byte[]? content) : ListStateStore(
        content is null ? [] : [new(Key, _ => Task.FromResult<Stream>(new MemoryStream(content)))], name)
    {
        public int Opens { get; private set; }

        public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
        {
            Opens++;
            return base.OpenReadAsync(key, cancellationToken);
        }
    }
}
