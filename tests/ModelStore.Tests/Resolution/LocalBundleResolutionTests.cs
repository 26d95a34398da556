using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests.Resolution;

/// <summary>Bundle states from a real local folder store, through the one resolver and a real cache.</summary>
[TestClass]
public sealed class LocalBundleResolutionTests
{
    private static readonly StateKey Key = StateKey.Parse("onnx/minilm.l6.v2");
    private string _root = null!;
    private string _folder = null!;
    private StateCache _cache = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-bundles-").FullName;
        _folder = Path.Combine(_root, "store");
        _cache = new StateCache(Path.Combine(_root, "cache"));
        Write("onnx/model.onnx", 300_000);
        Write("config.json", 50);
        Write("tokenizer.json", 4_000);
        Write("README.md", 10);
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_bundle_resolves_to_a_folder_of_its_verified_files_and_the_lock_entry_lists_each()
    {
        var outcome = await ResolveAsync(Request("onnx/model.onnx;*.json"));

        Assert.IsTrue(outcome.Succeeded, outcome.Failure?.Message);
        CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx", "tokenizer.json" }, outcome.Files!.Select(file => file.Path).ToArray());
        foreach (var file in outcome.Files!)
        {
            var materialised = Path.Combine(outcome.Path!, file.Path);
            CollectionAssert.AreEqual(File.ReadAllBytes(Source(file.Path)), File.ReadAllBytes(materialised), file.Path);
            Assert.AreEqual(Sha(file.Path), file.Sha256);
        }

        Assert.IsFalse(File.Exists(Path.Combine(outcome.Path!, "README.md")));
        Assert.AreEqual(BundleFile.ManifestSha256(outcome.Files!), outcome.Sha256);
        var entry = outcome.ToLockEntry();
        Assert.AreEqual(3, entry.Files!.Count);
        Assert.AreEqual(outcome.Files!.Sum(file => file.Size), entry.Size);
        StringAssert.StartsWith(outcome.Path!, Path.Combine(_cache.Root, "bundles"));
    }

    [TestMethod]
    public async Task Two_bundles_sharing_a_file_store_its_bytes_once()
    {
        var first = await ResolveAsync(Request("onnx/model.onnx;config.json"));
        var second = await ResolveAsync(Request("*.json"), key: StateKey.Parse("onnx/minilm.tok.v2"));

        Assert.IsTrue(second.Succeeded, second.Failure?.Message);
        Assert.AreEqual(3, Directory.GetFiles(Path.Combine(_cache.Root, "blobs"), "*", SearchOption.AllDirectories).Length, "model.onnx, config.json, tokenizer.json: one blob each.");
        Assert.AreEqual(first.Files!.Single(file => file.Path == "config.json"), second.Files!.Single(file => file.Path == "config.json"));
        Assert.AreNotEqual(first.Path, second.Path);
    }

    [TestMethod]
    public async Task A_locked_bundle_is_read_without_listing_and_a_file_changed_since_is_a_hash_mismatch()
    {
        var first = await ResolveAsync(Request("onnx/model.onnx;*.json"));
        var lockFile = new StateLockFile([first.ToLockEntry()]);

        // Warm: every file is found by its pinned hash; the store is not even listed (its folder may be gone).
        Directory.Move(_folder, _folder + ".away");
        var warm = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true);
        Assert.IsTrue(warm.Succeeded, warm.Failure?.Message);
        Assert.AreEqual(StateSource.Cache, warm.Source);
        Assert.AreEqual(first.Path, warm.Path);
        Directory.Move(_folder + ".away", _folder);

        // A fresh cache, and tokenizer.json changed at the store after locking.
        _cache = new StateCache(Path.Combine(_root, "cache2"));
        Write("tokenizer.json", 4_001);
        foreach (var locked in new[] { false, true })
        {
            var changed = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked);
            Assert.IsFalse(changed.Succeeded);
            Assert.AreEqual("MST0004", changed.Failure!.BuildCode, changed.Failure.Message);
            StringAssert.Contains(changed.Failure.Message, Key.ToString());
        }
    }

    [TestMethod]
    public async Task A_bundle_file_whose_stamp_matches_is_not_hashed_again_and_ModelStoreVerify_full_hashes_it()
    {
        // Verify once, trust a stamp, for bundle files as for single states. To see that a check did not hash, the
        // blob's bytes are changed and a stamp forged for them (only someone who can write the cache can do that).
        _cache = new StateCache(Path.Combine(_root, "stamped")) { StampRacyWindow = TimeSpan.Zero };
        var first = await ResolveAsync(Request("onnx/model.onnx;*.json"));
        var lockFile = new StateLockFile([first.ToLockEntry()]);

        // A blob changed in the clock's current millisecond gets no stamp (BlobStamp.IsRacy, even with a zero window), and
        // the bundle's links were just made: the next resolution must start on a later millisecond to record them.
        await Task.Delay(TimeSpan.FromMilliseconds(5), TestContext.CancellationToken);
        await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true); // hashes once more, records the stamps
        var config = first.Files!.Single(file => file.Path == "config.json");
        var blob = _cache.GetBlobPath(config.Sha256);
        File.SetAttributes(blob, FileAttributes.Normal);
        await File.WriteAllBytesAsync(blob, new byte[config.Size], TestContext.CancellationToken);
        var stamp = Path.Combine(_cache.Root, "stamps", "sha256", config.Sha256[..2], config.Sha256);
        File.WriteAllText(stamp, BlobStamp.Read(blob)!.Value.Format());

        var trusted = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true);
        var full = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true, verification: CacheVerification.Full);

        Assert.IsTrue(trusted.Succeeded, trusted.Failure?.Message);
        Assert.AreEqual(StateSource.Cache, trusted.Source, "the stamp vouched for the file: it was not hashed");
        Assert.IsEmpty(trusted.Warnings);
        Assert.IsTrue(full.Succeeded, full.Failure?.Message);
        Assert.AreEqual(StateSource.Store, full.Source, "full hashed the file, found other bytes and fetched it again");
        Assert.AreEqual(config.Size, full.BytesDownloaded);
        Assert.AreEqual(ResolutionWarningKind.CacheRepaired, full.Warnings.Single().Kind);
        CollectionAssert.AreEqual(File.ReadAllBytes(Source("config.json")), File.ReadAllBytes(Path.Combine(full.Path!, "config.json")));
    }

    [TestMethod]
    public async Task Other_patterns_than_the_lock_entry_are_drift_in_locked_mode_and_offline_uses_the_cache_alone()
    {
        var first = await ResolveAsync(Request("onnx/model.onnx;*.json"));
        var lockFile = new StateLockFile([first.ToLockEntry()]);

        var drift = await ResolveAsync(Request("*.json"), lockFile, locked: true);
        Assert.AreEqual("MST0007", drift.Failure?.BuildCode);
        StringAssert.Contains(drift.Failure!.Message, "records the files 'onnx/model.onnx;*.json'");

        var offline = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, offline: true);
        Assert.IsTrue(offline.Succeeded, offline.Failure?.Message);
        Assert.AreEqual(first.Path, offline.Path);

        var design = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, describe: true);
        Assert.AreEqual(first.Sha256, design.Sha256);
        CollectionAssert.AreEqual(first.Files!.ToArray(), design.Files!.ToArray());

        var unlocked = await ResolveAsync(Request("*.json"), offline: true);
        Assert.AreEqual("MST0006", unlocked.Failure?.BuildCode);
    }

    [TestMethod]
    public async Task A_damaged_bundle_folder_is_rebuilt_and_a_link_out_of_the_store_folder_is_not_listed()
    {
        var first = await ResolveAsync(Request("*.json"));
        File.Delete(Path.Combine(first.Path!, "config.json"));
        var outside = Path.Combine(_root, "outside.json");
        File.WriteAllText(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(_folder, "leak.json"), outside);

        var again = await ResolveAsync(Request("*.json"));

        Assert.IsTrue(again.Succeeded, again.Failure?.Message);
        Assert.AreEqual(first.Path, again.Path);
        Assert.IsTrue(File.Exists(Path.Combine(again.Path!, "config.json")));
        Assert.IsFalse(again.Files!.Any(file => file.Path == "leak.json"));
    }

    [TestMethod]
    public async Task A_pattern_that_matches_no_file_names_the_pattern()
    {
        var outcome = await ResolveAsync(Request("onnx/model.onnx;vocab.txt"));

        Assert.AreEqual("MST0003", outcome.Failure?.BuildCode);
        StringAssert.Contains(outcome.Failure!.Message, "'vocab.txt' matches no file");
    }

    [TestMethod]
    public async Task A_bundle_is_restored_from_the_lock_file_alone()
    {
        var first = await ResolveAsync(Request("onnx/model.onnx;*.json"));
        var lockPath = Path.Combine(_root, StateLockFile.FileName);
        await StateLockFileFormat.WriteAsync(lockPath, new StateLockFile([first.ToLockEntry()], [new StateLockStore("local", "Local", new Dictionary<string, string> { ["Folder"] = _folder })]), TestContext.CancellationToken);

        var restored = (await StateResolver.RestoreAsync(lockPath, new StateResolverOptions { Cache = new StateCache(Path.Combine(_root, "restored")) }, cancellationToken: TestContext.CancellationToken)).Single();

        Assert.IsTrue(restored.Succeeded, restored.Failure?.Message);
        Assert.AreEqual(first.Sha256, restored.Sha256);
        CollectionAssert.AreEqual(first.Files!.ToArray(), restored.Files!.ToArray());
        CollectionAssert.AreEqual(File.ReadAllBytes(Source("onnx/model.onnx")), File.ReadAllBytes(Path.Combine(restored.Path!, "onnx", "model.onnx")));
    }

    [TestMethod]
    public async Task A_locked_bundle_takes_its_files_from_a_mirror_by_content_hash_and_skips_a_damaged_copy()
    {
        var first = await ResolveAsync(Request("onnx/model.onnx;*.json"));
        var lockFile = new StateLockFile([first.ToLockEntry()]);
        var mirror = Path.Combine(_root, "mirror");
        foreach (var file in first.Files!)
        {
            var copy = Path.Combine(mirror, StateResolver.GetMirrorFilePath(file.Sha256));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(Source(file.Path), copy);
        }

        // The origin is away: every file comes from the mirror, each checked against its locked hash.
        _cache = new StateCache(Path.Combine(_root, "cache2"));
        Directory.Move(_folder, _folder + ".away");
        var mirrored = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true, mirror: mirror);
        Directory.Move(_folder + ".away", _folder);

        Assert.IsTrue(mirrored.Succeeded, mirrored.Failure?.Message);
        Assert.AreEqual(StateSource.Mirror, mirrored.Source);
        Assert.AreEqual("fleet", mirrored.Mirror);
        Assert.AreEqual(first.Size, mirrored.BytesDownloaded);
        CollectionAssert.AreEqual(first.Files!.ToArray(), mirrored.Files!.ToArray());
        CollectionAssert.AreEqual(File.ReadAllBytes(Source("onnx/model.onnx")), File.ReadAllBytes(Path.Combine(mirrored.Path!, "onnx", "model.onnx")));

        // A mirror copy with other bytes is skipped (a warning naming the mirror), and that file comes from the origin.
        var config = first.Files!.Single(file => file.Path == "config.json");
        File.WriteAllBytes(Path.Combine(mirror, StateResolver.GetMirrorFilePath(config.Sha256)), new byte[config.Size]);
        _cache = new StateCache(Path.Combine(_root, "cache3"));
        var damaged = await ResolveAsync(Request("onnx/model.onnx;*.json"), lockFile, locked: true, mirror: mirror);

        Assert.IsTrue(damaged.Succeeded, damaged.Failure?.Message);
        CollectionAssert.AreEqual(first.Files!.ToArray(), damaged.Files!.ToArray());
        var skipped = damaged.Warnings.Single(warning => warning.Kind == ResolutionWarningKind.MirrorSkipped);
        StringAssert.Contains(skipped.Message, "mirror 'fleet' skipped");
        CollectionAssert.AreEqual(File.ReadAllBytes(Source("config.json")), File.ReadAllBytes(Path.Combine(damaged.Path!, "config.json")));
    }

    private static StateRequest Request(string files) => new(Key, "local") { Files = FilePatterns.Parse(files) };

    private async Task<StateResolution> ResolveAsync(StateRequest request, StateLockFile? lockFile = null, bool locked = false, bool offline = false, bool describe = false, StateKey? key = null, string? mirror = null, CacheVerification verification = CacheVerification.Stamp)
    {
        var stores = new StoreCatalog();
        stores.Add("local", new LocalStateStore(_folder), mirror is null ? [] : ["fleet"]);
        if (mirror is not null)
        {
            stores.Add("fleet", new LocalStateStore(mirror));
        }

        var resolver = new StateResolver(new StateResolverOptions { Cache = _cache, Stores = stores, LockFile = lockFile ?? StateLockFile.Empty, Locked = locked, Offline = offline, DescribeOnly = describe, Verification = verification });
        var outcome = await resolver.ResolveAsync(key is null ? request : new StateRequest(key, request.Store) { Files = request.Files }, TestContext.CancellationToken);
        return outcome;
    }

    private string Source(string path) => Path.Combine(_folder, path);

    private string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Source(path))));

    private void Write(string path, int size)
    {
        var full = Source(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, [.. Enumerable.Range(0, size).Select(i => (byte)(i * 31 + size))]);
    }
}
