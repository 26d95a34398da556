using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests.Resolution;

[TestClass]
public sealed class StateResolverTests
{
    private static readonly StateKey Digits = StateKey.Parse("pytorch/tiny-mlp.digits.v1");
    private static readonly StateKey Mnist = StateKey.Parse("pytorch/tiny-mlp.mnist.v1");

    private string _root = null!;
    private StateCache _cache = null!;

    public TestContext TestContext { get; set; } = null!;

    private string StoreFolder => Path.Combine(_root, "states");

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-resolver-").FullName;
        _cache = new StateCache(Path.Combine(_root, "cache"));
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_lock_entry_naming_another_states_blob_with_another_size_never_deletes_that_blob()
    {
        // Issue 18: the blob of one state, named in another state's lock entry with a wrong size, was deleted as "modified on disk".
        var digits = await PublishAsync(Digits, 4096);
        var first = await Resolver().ResolveAsync(new StateRequest(Digits, "local"), TestContext.CancellationToken);
        Assert.IsTrue(first.Succeeded, first.ToString());
        var wrong = new StateLockFile([new StateLockEntry(Mnist, "local", digits, 4097)]);

        var locked = await Resolver(wrong, locked: true).ResolveAsync(new StateRequest(Mnist, "local"), TestContext.CancellationToken);
        var unlocked = await Resolver(wrong).ResolveAsync(new StateRequest(Mnist, "local"), TestContext.CancellationToken);
        var offline = await Resolver(offline: true).ResolveAsync(new StateRequest(Digits, "local") { Sha256 = digits }, TestContext.CancellationToken);

        Assert.AreEqual(ResolutionFailureKind.LockedDrift, locked.Failure?.Kind, locked.ToString());
        Assert.IsTrue(unlocked.Succeeded, unlocked.ToString());
        Assert.AreEqual(4096, unlocked.Size, "The entry is corrected, not the bytes.");
        Assert.AreEqual(ResolutionWarningKind.LockEntryCorrected, unlocked.Warnings.Single().Kind);
        Assert.AreEqual(BlobCondition.Valid, (await _cache.CheckBlobAsync(digits, TestContext.CancellationToken)).Condition, "The valid blob is still there.");
        Assert.IsTrue(offline.Succeeded, "The other state still resolves offline: " + offline);
    }

    [TestMethod]
    public async Task A_blob_that_fails_its_own_hash_is_removed_and_fetched_again()
    {
        var digits = await PublishAsync(Digits, 4096);
        var request = new StateRequest(Digits, "local") { Sha256 = digits };
        await Resolver().ResolveAsync(request, TestContext.CancellationToken);
        var blob = _cache.GetBlobPath(digits);
        File.SetAttributes(blob, FileAttributes.Normal);
        await File.WriteAllBytesAsync(blob, new byte[4096], TestContext.CancellationToken);

        var offline = await Resolver(offline: true).ResolveAsync(request, TestContext.CancellationToken);
        var online = await Resolver().ResolveAsync(request, TestContext.CancellationToken);

        Assert.AreEqual(ResolutionFailureKind.HashMismatch, offline.Failure?.Kind, offline.ToString());
        Assert.IsTrue(online.Succeeded, online.ToString());
        Assert.AreEqual(StateSource.Store, online.Source);
        Assert.AreEqual(BlobCondition.Valid, (await _cache.CheckBlobAsync(digits, TestContext.CancellationToken)).Condition);
    }

    [TestMethod]
    public async Task A_batch_runs_at_most_MaxParallelFetches_at_once_with_each_store_created_once_and_outcomes_in_order()
    {
        var keys = Enumerable.Range(0, 12).Select(i => StateKey.Parse($"pytorch/mlp.v{i}")).ToList();
        foreach (var key in keys)
        {
            await PublishAsync(key, 2048);
        }

        var provider = new GatedProvider();
        var stores = new StoreCatalog();
        stores.Add(provider, new StateStoreSettings("gated", "Gated", [new("Folder", StoreFolder)], _root));
        var resolver = new StateResolver(new StateResolverOptions { Cache = _cache, Stores = stores, MaxParallelFetches = 3 });

        var outcomes = await resolver.ResolveAllAsync(keys.Select(key => new StateRequest(key, "gated")), TestContext.CancellationToken);

        CollectionAssert.AreEqual(keys, outcomes.Select(outcome => outcome.Key).ToList());
        Assert.IsTrue(outcomes.All(outcome => outcome.Succeeded && outcome.Source == StateSource.Store), string.Join("\n", outcomes));
        Assert.AreEqual(1, provider.Created);
        Assert.IsTrue(provider.MaxConcurrent is > 1 and <= 3, $"{provider.MaxConcurrent} reads at once.");
    }

    [TestMethod]
    public async Task Failures_are_typed_outcomes_not_exceptions()
    {
        await PublishAsync(Digits, 100);

        var unknown = await Resolver().ResolveAsync(new StateRequest(Digits, "nowhere"), TestContext.CancellationToken);
        var missing = await Resolver().ResolveAsync(new StateRequest(Mnist, "local"), TestContext.CancellationToken);
        var offline = await Resolver(offline: true).ResolveAsync(new StateRequest(Mnist, "local"), TestContext.CancellationToken);
        var pinned = await Resolver().ResolveAsync(new StateRequest(Digits, "local") { Sha256 = new string('c', 64) }, TestContext.CancellationToken);

        Assert.AreEqual((ResolutionFailureKind.UnknownStore, "MST0002", 2), (unknown.Failure!.Kind, unknown.Failure.BuildCode, unknown.Failure.ExitCode));
        Assert.AreEqual((ResolutionFailureKind.NotInStore, "MST0003", 1), (missing.Failure!.Kind, missing.Failure.BuildCode, missing.Failure.ExitCode));
        StringAssert.Contains(missing.Failure.Message, "Compatible states in that store: pytorch/tiny-mlp.digits.v1.");
        Assert.AreEqual((ResolutionFailureKind.OfflineMiss, "MST0006"), (offline.Failure!.Kind, offline.Failure.BuildCode));
        Assert.AreEqual((ResolutionFailureKind.HashMismatch, "MST0004", "IntegrityMismatch"), (pinned.Failure!.Kind, pinned.Failure.BuildCode, pinned.Failure.Code));
    }

    [TestMethod]
    public void A_lock_files_stores_need_the_users_word_for_code_and_addresses()
    {
        var entry = new StateLockEntry(Digits, "hub", new string('a', 64), 1);
        var hub = new StateLockStore("hub", "Remote", new Dictionary<string, string> { ["Endpoint"] = "https://evil.example/", ["ProviderAssembly"] = "tools/models.dll", ["ProviderType"] = "Evil.Provider" });
        var lockFile = new StateLockFile([entry], [hub]);
        var registry = new StateStoreRegistry(new LocalStateStoreProvider(), new RemoteProvider());

        var noKind = Assert.ThrowsExactly<StateResolutionException>(() => LockFileStores.CreateCatalog(lockFile, _root, new LockFileStoreOptions { Registry = new StateStoreRegistry(new LocalStateStoreProvider()) }));
        var unconfirmed = Assert.ThrowsExactly<StateResolutionException>(() => LockFileStores.CreateCatalog(lockFile, _root, new LockFileStoreOptions { Registry = registry, Environment = _ => null }));
        var confirmed = LockFileStores.CreateCatalog(lockFile, _root, new LockFileStoreOptions { Registry = registry, Settings = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["HUB"] = new Dictionary<string, string> { ["Endpoint"] = "https://mine.example/" } } });

        StringAssert.Contains(noKind.Message, "--provider");
        StringAssert.Contains(unconfirmed.Message, "--store-setting \"hub:Endpoint=https://evil.example/\"");
        Assert.AreEqual("https://mine.example/", confirmed.GetSettings("hub")!.Get("Endpoint"), "The user's address replaces the lock file's.");
        Assert.IsNull(confirmed.GetSettings("hub")!.Get("ProviderAssembly"), "Provider names never reach a store's settings.");
    }

    private StateResolver Resolver(StateLockFile? lockFile = null, bool locked = false, bool offline = false)
    {
        var stores = new StoreCatalog();
        stores.Add(new LocalStateStoreProvider(), new StateStoreSettings("local", "Local", [new("Folder", StoreFolder)], _root));
        return new StateResolver(new StateResolverOptions { Cache = _cache, Stores = stores, LockFile = lockFile ?? StateLockFile.Empty, Locked = locked, Offline = offline });
    }

    private async Task<string> PublishAsync(StateKey key, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        await new LocalStateStore(StoreFolder).WriteAsync(key, new MemoryStream(bytes), cancellationToken: TestContext.CancellationToken);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>A kind whose settings take an endpoint, as the HTTP-based kinds do.</summary>
    private sealed class RemoteProvider : IStateStoreProvider
    {
        public string Kind => "Remote";

        public IStateStore Create(StateStoreSettings settings) => new LocalStateStore(settings.BaseDirectory);
    }

    /// <summary>A local store whose reads wait a moment and count how many run at once.</summary>
    private sealed class GatedProvider : IStateStoreProvider
    {
        private int _created;
        private int _current;
        private int _max;

        public string Kind => "Gated";

        public int Created => Volatile.Read(ref _created);

        public int MaxConcurrent => Volatile.Read(ref _max);

        public IStateStore Create(StateStoreSettings settings)
        {
            Interlocked.Increment(ref _created);
            return new GatedStore(this, settings.GetPath("Folder")!);
        }

        private sealed class GatedStore(GatedProvider owner, string folder) : StateStore
        {
            private readonly LocalStateStore _inner = new(folder);

            public override string Id => "gated:" + _inner.Id;

            public override string Description => _inner.Description;

            public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default) => _inner.ExistsAsync(key, cancellationToken);

            public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default) => _inner.GetStateKeysAsync(stateType, cancellationToken);

            public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
            {
                var now = Interlocked.Increment(ref owner._current);
                int seen;
                while ((seen = Volatile.Read(ref owner._max)) < now && Interlocked.CompareExchange(ref owner._max, now, seen) != seen)
                {
                }

                try
                {
                    await Task.Delay(150, cancellationToken);
                    return await _inner.OpenReadAsync(key, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref owner._current);
                }
            }

            public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default) => _inner.WriteAsync(key, content, overwrite, cancellationToken);
        }
    }
}
