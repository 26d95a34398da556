using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Generators.Tests;

// MODELSTORE_HOME is process-wide: these tests set it, so they must not run beside others that read it.
[TestClass]
[DoNotParallelize]
public sealed class PretrainedStateTests
{
    private const string Key = "pytorch/tiny-mlp.digits.v1";

    private string? savedHome;
    private string cacheRoot = null!;
    private string outputFolderName = null!;
    private byte[] bytes = null!;
    private string sha = null!;

    [TestInitialize]
    public void SetUp()
    {
        savedHome = Environment.GetEnvironmentVariable(StateCache.HomeVariable);
        cacheRoot = Path.Combine(Path.GetTempPath(), "modelstore-pretrained-" + Guid.NewGuid().ToString("N"));
        Environment.SetEnvironmentVariable(StateCache.HomeVariable, cacheRoot);
        outputFolderName = "modelstates-test-" + Guid.NewGuid().ToString("N");

        // Unique bytes per test, so the process-wide "already verified" memory never carries over between tests.
        bytes = new byte[200_000];
        Random.Shared.NextBytes(bytes);
        sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    [TestCleanup]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable(StateCache.HomeVariable, savedHome);
        if (Directory.Exists(cacheRoot))
        {
            Directory.Delete(cacheRoot, recursive: true);
        }

        var output = Path.Combine(AppContext.BaseDirectory, outputFolderName);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [TestMethod]
    public void Resolves_the_copy_in_the_output_folder_first()
    {
        var relative = $"{outputFolderName}/pytorch.tiny-mlp.digits.v1.pt";
        var outputFile = WriteOutputCopy(relative, bytes);
        File.WriteAllBytes(WriteCacheBlobPath(), bytes);
        var state = new PretrainedState(Key, "local", sha, bytes.Length, relative);

        Assert.AreEqual(Path.GetFullPath(outputFile), state.ResolvePath());
        CollectionAssert.AreEqual(bytes, ReadAll(state));
    }

    [TestMethod]
    public async Task Resolves_the_blob_in_the_MODELSTORE_HOME_cache_when_not_copied_to_output()
    {
        // Insert through the real cache, as the build task does.
        using (var content = new MemoryStream(bytes))
        {
            await new StateCache(cacheRoot).AddAsync("local:/states", StateKey.Parse(Key), content, sha);
        }

        var state = new PretrainedState(Key, "local", sha.ToUpperInvariant(), bytes.Length, $"{outputFolderName}/missing.pt");

        Assert.AreEqual(sha, state.Sha256);
        Assert.AreEqual(new StateCache(cacheRoot).GetBlobPath(sha), state.ResolvePath());
        CollectionAssert.AreEqual(bytes, ReadAll(state));
    }

    [TestMethod]
    public void One_tampered_byte_is_an_integrity_mismatch_naming_expected_and_actual_hashes()
    {
        var tampered = (byte[])bytes.Clone();
        tampered[123_456] ^= 0x01;
        var path = WriteCacheBlobPath();
        File.WriteAllBytes(path, tampered);
        var state = new PretrainedState(Key, "local", sha, bytes.Length, null);

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.OpenRead());

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        Assert.AreEqual(StateKey.Parse(Key), error.Key);
        StringAssert.Contains(error.Message, $"expected sha256 {sha}");
        StringAssert.Contains(error.Message, $"actual {Convert.ToHexStringLower(SHA256.HashData(tampered))}");
        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void A_truncated_file_is_an_integrity_mismatch_naming_expected_and_actual_sizes()
    {
        WriteOutputCopy($"{outputFolderName}/x.pt", bytes.AsSpan(0, 1000).ToArray());
        var state = new PretrainedState(Key, "local", sha, bytes.Length, $"{outputFolderName}/x.pt");

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.OpenRead());

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        StringAssert.Contains(error.Message, $"expected size {bytes.Length} bytes, actual 1000");
    }

    [TestMethod]
    public void Missing_from_both_places_is_NotFound_naming_where_it_looked()
    {
        var state = new PretrainedState(Key, "local", sha, bytes.Length, $"{outputFolderName}/x.pt");

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.OpenRead());

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        Assert.AreEqual(StateKey.Parse(Key), error.Key);
        StringAssert.Contains(error.Message, Path.Combine(AppContext.BaseDirectory, outputFolderName, "x.pt"));
        StringAssert.Contains(error.Message, new StateCache(cacheRoot).GetBlobPath(sha));
        StringAssert.Contains(error.Message, StateCache.HomeVariable);
    }

    [TestMethod]
    public void Not_copied_to_output_and_not_cached_is_NotFound_suggesting_CopyToOutputDirectory()
    {
        var state = new PretrainedState(Key, "local", sha, bytes.Length, null);

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.ResolvePath());

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        StringAssert.Contains(error.Message, "CopyToOutputDirectory");
    }

    [TestMethod]
    public async Task Concurrent_first_opens_all_get_the_verified_bytes()
    {
        File.WriteAllBytes(WriteCacheBlobPath(), bytes);
        var state = new PretrainedState(Key, "local", sha, bytes.Length, null);

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ReadAll(state))));

        foreach (var read in reads)
        {
            CollectionAssert.AreEqual(bytes, read);
        }
    }

    [TestMethod]
    public void The_hash_is_checked_once_per_process_but_the_size_on_every_open()
    {
        var path = WriteCacheBlobPath();
        File.WriteAllBytes(path, bytes);
        var state = new PretrainedState(Key, "local", sha, bytes.Length, null);
        ReadAll(state);

        // Same size, other bytes: not hashed again (another instance with the same hash shares the memory).
        var tampered = (byte[])bytes.Clone();
        tampered[0] ^= 0xFF;
        File.WriteAllBytes(path, tampered);
        CollectionAssert.AreEqual(tampered, ReadAll(new PretrainedState(Key, "other-store", sha, bytes.Length, null)));

        // Another size is caught on every open.
        File.WriteAllBytes(path, bytes.AsSpan(1).ToArray());
        Assert.AreEqual(StateStoreError.IntegrityMismatch, Assert.ThrowsExactly<StateStoreException>(() => state.OpenRead()).Error);
    }

    [TestMethod]
    public void Exposes_what_it_was_built_with_and_prints_as_its_key()
    {
        var state = new PretrainedState(Key, "team", sha, 42, "modelstates/a.pt");

        Assert.AreEqual(StateKey.Parse(Key), state.Key);
        Assert.AreEqual("team", state.Store);
        Assert.AreEqual(42, state.Size);
        Assert.AreEqual("modelstates/a.pt", state.OutputRelativePath);
        Assert.AreEqual(Key, state.ToString());
    }

    [TestMethod]
    public void Rejects_invalid_arguments_with_argument_exceptions()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new PretrainedState("pytorch/resnet18", "s", sha, 1, null));
        Assert.ThrowsExactly<ArgumentException>(() => new PretrainedState(Key, "s", "abc", 1, null));
        Assert.ThrowsExactly<ArgumentException>(() => new PretrainedState(Key, " ", sha, 1, null));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PretrainedState(Key, "s", sha, -1, null));
        Assert.ThrowsExactly<ArgumentException>(() => new PretrainedState(Key, "s", sha, 1, Path.GetTempPath()));
    }

    private static byte[] ReadAll(PretrainedState state)
    {
        using var stream = state.OpenRead();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private string WriteCacheBlobPath()
    {
        var path = new StateCache(cacheRoot).GetBlobPath(sha);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static string WriteOutputCopy(string relative, byte[] content)
    {
        var path = Path.Combine(AppContext.BaseDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }
}
