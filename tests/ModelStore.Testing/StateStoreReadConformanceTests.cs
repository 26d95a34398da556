using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Testing;

/// <summary>
/// Every read behaviour a store promises: listing, existence, reading, loading, streaming, cancellation, argument
/// checks. States are put in place by <see cref="SeedAsync"/>: through the store itself for a writable store
/// (<see cref="StateStoreConformanceTests"/> adds the write behaviours), or out-of-band for a read-only one, such as
/// a Hugging Face Hub repository seeded through its server (<see cref="ReadOnlyStateStoreConformanceTests"/>).
/// </summary>
public abstract class StateStoreReadConformanceTests
{
    protected static readonly StateType Resnet = new("pytorch", "resnet18", "cls1000");

    protected static readonly StateKey ImagenetKey = new(Resnet, "imagenet");

    public TestContext TestContext { get; set; } = null!;

    /// <summary>Size of the large-state test; 256 MiB by default.</summary>
    protected virtual long LargeStateSize => 256L * 1024 * 1024;

    protected CancellationToken Cancel => TestContext.CancellationToken;

    /// <summary>Creates a new, empty store for one test.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    /// <summary>Puts <paramref name="content"/> under <paramref name="key"/> in <paramref name="store"/> (a key not there yet), streaming it.</summary>
    protected abstract Task SeedAsync(IStateStore store, StateKey key, Stream content);

    protected static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected async Task<byte[]> ReadAllAsync(IStateStore store, StateKey key)
    {
        await using var stream = await store.OpenReadAsync(key, Cancel);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Cancel);
        return buffer.ToArray();
    }

    protected async Task SeedBytesAsync(IStateStore store, StateKey key, byte[] bytes)
    {
        using var content = new MemoryStream(bytes);
        await SeedAsync(store, key, content);
    }

    [TestMethod]
    public async Task Written_bytes_read_back_identical()
    {
        var store = await CreateStoreAsync();
        var bytes = RandomBytes(100_003, seed: 1);

        await SeedBytesAsync(store, ImagenetKey, bytes);

        CollectionAssert.AreEqual(bytes, await ReadAllAsync(store, ImagenetKey));
    }

    [TestMethod]
    public async Task Empty_state_round_trips()
    {
        var store = await CreateStoreAsync();

        await SeedBytesAsync(store, ImagenetKey, []);

        Assert.IsTrue(await store.ExistsAsync(ImagenetKey, Cancel));
        Assert.AreEqual(0, (await ReadAllAsync(store, ImagenetKey)).Length);
    }

    [TestMethod]
    public async Task Load_restores_the_state_into_a_model_of_the_same_type()
    {
        var store = await CreateStoreAsync();
        var bytes = RandomBytes(4096, seed: 2);
        await SeedBytesAsync(store, ImagenetKey, bytes);

        var loaded = new BytesModel(Resnet);
        await store.LoadAsync(loaded, ImagenetKey, Cancel);

        CollectionAssert.AreEqual(bytes, loaded.State);
    }

    [TestMethod]
    public async Task Load_into_a_compatible_type_with_other_extras_works()
    {
        var store = await CreateStoreAsync();
        await SeedBytesAsync(store, ImagenetKey, [1, 2, 3]);
        var binary = new BytesModel(Resnet.WithExtras("cls2"));

        await store.LoadAsync(binary, ImagenetKey, Cancel);

        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, binary.State);
    }

    [TestMethod]
    public async Task Load_into_an_incompatible_model_is_refused()
    {
        var store = await CreateStoreAsync();
        await SeedBytesAsync(store, ImagenetKey, [1]);
        var other = new BytesModel(new StateType("pytorch", "resnet50"));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.LoadAsync(other, ImagenetKey, Cancel));

        Assert.AreEqual(StateStoreError.IncompatibleStateType, error.Error);
        Assert.AreEqual(0, other.State.Length);
    }

    [TestMethod]
    public async Task Listing_returns_compatible_keys_only()
    {
        var store = await CreateStoreAsync();
        StateKey[] compatible =
        [
            ImagenetKey,
            new(Resnet, "places365"),
            new(Resnet.WithExtras("cls2"), "cats-vs-dogs"),
            new(new StateType("pytorch", "resnet18"), "no-extras"),
        ];
        StateKey[] incompatible =
        [
            new(new StateType("pytorch", "resnet18-small", "cls1000"), "imagenet"),
            new(new StateType("pytorch", "resnet"), "imagenet"),
            new(new StateType("onnx", "resnet18", "cls1000"), "imagenet"),
            new(new StateType("pytorch", "clip"), "openai"),
            new(new StateType("pytorch", "clip-image-rn50"), "clip"),
        ];
        foreach (var key in compatible.Concat(incompatible))
        {
            await SeedBytesAsync(store, key, [(byte)key.TrainingId.Length]);
        }

        var listed = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18", "cls7"), Cancel);
        CollectionAssert.AreEquivalent(compatible, listed.ToArray());

        var clip = await store.GetStateKeysAsync(new StateType("pytorch", "clip"), Cancel);
        CollectionAssert.AreEquivalent(new[] { new StateKey(new StateType("pytorch", "clip"), "openai") }, clip.ToArray());
    }

    [TestMethod]
    public async Task Listing_an_empty_store_returns_nothing()
    {
        var store = await CreateStoreAsync();

        Assert.AreEqual(0, (await store.GetStateKeysAsync(Resnet, Cancel)).Count);
    }

    [TestMethod]
    public async Task Exists_tells_present_from_missing()
    {
        var store = await CreateStoreAsync();
        await SeedBytesAsync(store, ImagenetKey, [7]);

        Assert.IsTrue(await store.ExistsAsync(ImagenetKey, Cancel));
        Assert.IsFalse(await store.ExistsAsync(new StateKey(Resnet, "missing"), Cancel));
        Assert.IsFalse(await store.ExistsAsync(new StateKey(Resnet.WithExtras("cls2"), "imagenet"), Cancel));
    }

    [TestMethod]
    public async Task Reading_a_missing_key_is_a_not_found_error_naming_the_key()
    {
        var store = await CreateStoreAsync();
        var missing = new StateKey(Resnet, "missing");

        var error = await Assert.ThrowsAsync<StateStoreException>(() => store.OpenReadAsync(missing, Cancel));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        Assert.AreEqual(missing, error.Key);
        StringAssert.Contains(error.Message, missing.ToString());
    }

    [TestMethod]
    [Timeout(600_000)]
    public async Task A_large_state_streams_through_without_being_held_in_memory()
    {
        var store = await CreateStoreAsync();
        var size = LargeStateSize;
        var expected = PatternStream.Sha256Of(size, seed: 5);

        long peakGrowth;
        string actual;
        using (var sampler = new PeakMemorySampler())
        {
            await using (var source = new PatternStream(size, seed: 5))
            {
                await SeedAsync(store, ImagenetKey, source);
            }

            await using (var read = await store.OpenReadAsync(ImagenetKey, Cancel))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, Cancel));
            }

            peakGrowth = sampler.PeakGrowth;
        }

        Assert.AreEqual(expected, actual);
        TestContext.WriteLine($"{size / (1024 * 1024)} MiB round trip: peak working-set growth {peakGrowth / (1024 * 1024)} MiB");
        Assert.IsTrue(peakGrowth < size / 2, $"Peak memory grew by {peakGrowth / (1024 * 1024)} MiB while streaming {size / (1024 * 1024)} MiB.");
    }

    [TestMethod]
    public async Task Operations_honour_a_cancelled_token()
    {
        var store = await CreateStoreAsync();
        await SeedBytesAsync(store, ImagenetKey, [1]);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.ExistsAsync(ImagenetKey, cancelled.Token));
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.GetStateKeysAsync(Resnet, cancelled.Token));
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.OpenReadAsync(ImagenetKey, cancelled.Token));
    }

    [TestMethod]
    public async Task Null_arguments_are_argument_errors()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.ExistsAsync(null!, Cancel));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetStateKeysAsync(null!, Cancel));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.OpenReadAsync(null!, Cancel));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.WriteAsync(ImagenetKey, null!, cancellationToken: Cancel));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.SaveAsync(null!, "x", cancellationToken: Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(new BytesModel(Resnet), "bad.id", cancellationToken: Cancel));
    }
}
