using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests.Caching;

/// <summary>
/// Small states (issue 20): a state whose hash and size the lock file gives, and that is small, costs one GET at the
/// server (no HEAD, no ranged requests) and one durable write, and keeps every check: the hash, nothing partial visible.
/// The states are URL states at a real loopback HTTP server that records every request (the URL store downloads
/// large states with a HEAD and ranged GETs, so the counts tell the two paths apart).
/// </summary>
[TestClass]
public sealed class SmallStateFetchTests
{
    private const int StateBytes = 64 * 1024;

    private string _root = null!;
    private StateCache _cache = null!;
    private LoopbackFileServer _server = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public async Task Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-small-").FullName;
        _cache = new StateCache(Path.Combine(_root, "cache"));
        _server = await LoopbackFileServer.StartAsync();
    }

    [TestCleanup]
    public async Task Delete()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [TestMethod]
    public async Task A_small_state_the_lock_file_pins_takes_one_GET_and_nothing_else()
    {
        var (requests, lockFile, _) = Publish(count: 20);

        var outcomes = await Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken);

        Assert.IsTrue(outcomes.All(outcome => outcome.Succeeded && outcome.Source == StateSource.Store), string.Join("\n", outcomes));
        var served = _server.Requests.ToList();
        Assert.AreEqual(20, served.Count, string.Join("\n", served));
        Assert.IsTrue(served.All(request => request is { Method: "GET", Range: null, Status: 200 }), "One plain GET per state: " + string.Join("\n", served));
        foreach (var outcome in outcomes)
        {
            Assert.AreEqual(outcome.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(outcome.Path!, TestContext.CancellationToken))));
        }

        AssertNothingPartial();
    }

    [TestMethod]
    public async Task Without_a_known_size_a_state_takes_the_resumable_path_with_its_HEAD()
    {
        // The control of the test above: the counts can tell the two paths apart.
        var (requests, _, _) = Publish(count: 3);

        var outcomes = await Resolver(StateLockFile.Empty).ResolveAllAsync(requests, TestContext.CancellationToken);

        Assert.IsTrue(outcomes.All(outcome => outcome.Succeeded), string.Join("\n", outcomes));
        Assert.AreEqual(3, _server.Requests.Count(request => request.Method == "HEAD"), string.Join("\n", _server.Requests));
    }

    [TestMethod]
    public async Task A_tampered_small_state_is_a_hash_mismatch_and_leaves_nothing_in_the_cache()
    {
        var (requests, lockFile, _) = Publish(count: 2);
        _server.Put("state-1.pt", RandomNumberGenerator.GetBytes(StateBytes)); // same size, other bytes

        var outcomes = await Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken);

        Assert.IsTrue(outcomes[0].Succeeded, outcomes[0].ToString());
        var failure = outcomes[1].Failure;
        Assert.IsNotNull(failure, outcomes[1].ToString());
        Assert.AreEqual(ResolutionFailureKind.HashMismatch, failure.Kind);
        Assert.AreEqual("MST0004", failure.BuildCode);
        Assert.AreEqual(StateStoreError.IntegrityMismatch, failure.StoreError);
        Assert.IsFalse(File.Exists(_cache.GetBlobPath(lockFile.Find(requests[1].Key)!.Sha256)), "The pinned hash has no blob.");
        Assert.AreEqual(1, Directory.EnumerateFiles(Path.Combine(_cache.Root, "blobs"), "*", SearchOption.AllDirectories).Count(), "Only the good state's blob.");
        Assert.AreEqual(1, _cache.EnumerateStates().Count(), "Only the good state is indexed.");
        AssertNothingPartial();
    }

    [TestMethod]
    public async Task A_small_state_cut_mid_body_is_never_visible_half_written()
    {
        var (requests, lockFile, _) = Publish(count: 1);
        _server.CutAfterBytes = StateBytes / 2;
        _server.CutConnections = 10; // every try of the GET is cut

        var cut = await Resolver(lockFile).ResolveAsync(requests[0], TestContext.CancellationToken);

        Assert.IsFalse(cut.Succeeded, cut.ToString());
        Assert.IsFalse(Directory.Exists(Path.Combine(_cache.Root, "blobs")) && Directory.EnumerateFiles(Path.Combine(_cache.Root, "blobs"), "*", SearchOption.AllDirectories).Any(), "No blob.");
        Assert.AreEqual(0, _cache.EnumerateStates().Count(), "No index entry.");
        AssertNothingPartial();

        // The next resolution fetches it whole.
        _server.CutConnections = 0;
        var again = await Resolver(lockFile).ResolveAsync(requests[0], TestContext.CancellationToken);
        Assert.IsTrue(again.Succeeded, again.ToString());
        Assert.AreEqual(StateBytes, new FileInfo(again.Path!).Length);
    }

    [TestMethod]
    public async Task A_size_the_lock_file_gets_wrong_does_not_change_the_bytes_kept()
    {
        // The lock file is data: its size only chooses the path. The bytes with the locked hash are kept whole.
        var (requests, lockFile, bytes) = Publish(count: 1);
        var entry = lockFile.Find(requests[0].Key)!;
        var wrong = new StateLockFile([new StateLockEntry(entry.Key, entry.Store, entry.Sha256, 10)]);

        var outcome = await Resolver(wrong).ResolveAsync(requests[0], TestContext.CancellationToken);

        Assert.IsTrue(outcome.Succeeded, outcome.ToString());
        CollectionAssert.AreEqual(bytes[0], await File.ReadAllBytesAsync(outcome.Path!, TestContext.CancellationToken));
        Assert.AreEqual(StateBytes, outcome.Size);
    }

    [TestMethod]
    public async Task Parallel_resolvers_of_the_same_small_states_agree_and_fetch_each_once()
    {
        // Two resolutions at once (two builds of one machine share the cache): the state's lock makes the second wait and
        // take the first one's blob.
        var (requests, lockFile, _) = Publish(count: 10);

        var both = await Task.WhenAll(
            Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken),
            Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken));

        Assert.IsTrue(both.SelectMany(outcomes => outcomes).All(outcome => outcome.Succeeded), string.Join("\n", both.SelectMany(outcomes => outcomes)));
        CollectionAssert.AreEqual(both[0].Select(outcome => outcome.Sha256).ToList(), both[1].Select(outcome => outcome.Sha256).ToList());
        Assert.AreEqual(10, _server.Requests.Count, string.Join("\n", _server.Requests));
        AssertNothingPartial();
    }

    [TestMethod]
    public async Task Resolving_new_states_and_then_cached_ones_throws_no_exception_on_the_way()
    {
        // A missing blob, stamp or stamp folder is the normal state of a first fetch. Answered with exceptions, a build
        // that resolved 1 000 new states threw 5 000 of them (FileNotFound, DirectoryNotFound), which a process on the JIT
        // pays for dearly; a stat answers the same question.
        var (requests, lockFile, _) = Publish(count: 20);
        var thrown = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var watched = new AsyncLocal<bool>();
        void Record(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (watched.Value)
            {
                thrown.Enqueue($"{e.Exception.GetType().Name}: {e.Exception.Message}\n{new System.Diagnostics.StackTrace(1, false)}");
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Record;
        IReadOnlyList<StateResolution> fetched, cached;
        try
        {
            watched.Value = true;
            fetched = await Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken);
            cached = await Resolver(lockFile).ResolveAllAsync(requests, TestContext.CancellationToken);
        }
        finally
        {
            watched.Value = false;
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.IsTrue(fetched.All(outcome => outcome.Succeeded && outcome.Source == StateSource.Store), string.Join("\n", fetched));
        Assert.IsTrue(cached.All(outcome => outcome.Succeeded && outcome.Source == StateSource.Cache), string.Join("\n", cached));
        Assert.IsEmpty(thrown, string.Join("\n\n", thrown.Take(3)));
    }

    // The cache's temporary folder holds nothing once every fetch has ended.
    private void AssertNothingPartial()
    {
        var tmp = Path.Combine(_cache.Root, "tmp");
        var left = Directory.Exists(tmp) ? Directory.GetFiles(tmp) : [];
        Assert.IsEmpty(left, string.Join(", ", left));
        var index = Path.Combine(_cache.Root, "index");
        Assert.IsFalse(Directory.Exists(index) && Directory.EnumerateFiles(index, "*" + ModelStore.IO.AtomicFile.PartialSuffix, SearchOption.AllDirectories).Any(), "No index entry half-written.");
    }

    // count states of StateBytes at the server, their requests, and a lock file with their hashes and sizes.
    private (IReadOnlyList<StateRequest> Requests, StateLockFile LockFile, IReadOnlyList<byte[]> Bytes) Publish(int count)
    {
        var requests = new List<StateRequest>();
        var entries = new List<StateLockEntry>();
        var contents = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(StateBytes);
            var request = StateRequest.FromUrl(StateKey.Parse($"pytorch/small-net.part{i}.v1"), _server.Put($"state-{i}.pt", bytes));
            requests.Add(request);
            entries.Add(new StateLockEntry(request.Key, request.Store, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length));
            contents.Add(bytes);
        }

        return (requests, new StateLockFile(entries), contents);
    }

    private StateResolver Resolver(StateLockFile lockFile) =>
        new(new StateResolverOptions { Cache = _cache, LockFile = lockFile, MaxParallelFetches = 8 });
}
