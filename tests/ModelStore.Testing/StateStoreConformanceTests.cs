using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Testing;

/// <summary>
/// Every behaviour a store promises. Each backend's test project subclasses this once, with a fixture that
/// starts whatever the backend needs; the same assertions then hold for all of them.
/// </summary>
public abstract class StateStoreConformanceTests
{
    protected static readonly StateType Resnet = new("pytorch", "resnet18", "cls1000");

    protected static readonly StateKey ImagenetKey = new(Resnet, "imagenet");

    public TestContext TestContext { get; set; } = null!;

    /// <summary>Size of the large-state test; 256 MiB by default.</summary>
    protected virtual long LargeStateSize => 256L * 1024 * 1024;

    /// <summary>Creates a new, empty, writable store for one test.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    /// <summary>Whether two concurrent writers without overwrite are guaranteed to yield one winner and one AlreadyExists.</summary>
    protected virtual bool HasAtomicCreate => true;

    protected CancellationToken Cancel => TestContext.CancellationToken;

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

    protected async Task WriteBytesAsync(IStateStore store, StateKey key, byte[] bytes, bool overwrite = false)
    {
        using var content = new MemoryStream(bytes);
        await store.WriteAsync(key, content, overwrite, Cancel);
    }

    [TestMethod]
    public async Task Written_bytes_read_back_identical()
    {
        var store = await CreateStoreAsync();
        var bytes = RandomBytes(100_003, seed: 1);

        await WriteBytesAsync(store, ImagenetKey, bytes);

        CollectionAssert.AreEqual(bytes, await ReadAllAsync(store, ImagenetKey));
    }

    [TestMethod]
    public async Task Empty_state_round_trips()
    {
        var store = await CreateStoreAsync();

        await WriteBytesAsync(store, ImagenetKey, []);

        Assert.IsTrue(await store.ExistsAsync(ImagenetKey, Cancel));
        Assert.AreEqual(0, (await ReadAllAsync(store, ImagenetKey)).Length);
    }

    [TestMethod]
    public async Task Save_returns_the_model_type_and_training_id_and_load_restores_the_state()
    {
        var store = await CreateStoreAsync();
        var saved = new BytesModel(Resnet, RandomBytes(4096, seed: 2));

        var key = await store.SaveAsync(saved, "2022-01-01-finetuned-imagenet", cancellationToken: Cancel);

        Assert.AreEqual(new StateKey(Resnet, "2022-01-01-finetuned-imagenet"), key);
        var loaded = new BytesModel(Resnet);
        await store.LoadAsync(loaded, key, Cancel);
        CollectionAssert.AreEqual(saved.State, loaded.State);
    }

    [TestMethod]
    public async Task Load_into_a_compatible_type_with_other_extras_works()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(new BytesModel(Resnet, [1, 2, 3]), "imagenet", cancellationToken: Cancel);
        var binary = new BytesModel(Resnet.WithExtras("cls2"));

        await store.LoadAsync(binary, ImagenetKey, Cancel);

        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, binary.State);
    }

    [TestMethod]
    public async Task Load_into_an_incompatible_model_is_refused()
    {
        var store = await CreateStoreAsync();
        await WriteBytesAsync(store, ImagenetKey, [1]);
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
            await WriteBytesAsync(store, key, [(byte)key.TrainingId.Length]);
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
        await WriteBytesAsync(store, ImagenetKey, [7]);

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
    public async Task Writing_over_an_existing_key_is_refused_and_keeps_the_old_state()
    {
        var store = await CreateStoreAsync();
        await WriteBytesAsync(store, ImagenetKey, [1, 1, 1]);

        var error = await Assert.ThrowsAsync<StateStoreException>(() => WriteBytesAsync(store, ImagenetKey, [2, 2]));
        var saveError = await Assert.ThrowsAsync<StateStoreException>(() => store.SaveAsync(new BytesModel(Resnet, [3]), "imagenet", cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.AlreadyExists, error.Error);
        Assert.AreEqual(StateStoreError.AlreadyExists, saveError.Error);
        CollectionAssert.AreEqual(new byte[] { 1, 1, 1 }, await ReadAllAsync(store, ImagenetKey));
    }

    [TestMethod]
    public async Task Overwrite_replaces_the_state_when_asked_for()
    {
        var store = await CreateStoreAsync();
        await WriteBytesAsync(store, ImagenetKey, [1, 1, 1]);

        await WriteBytesAsync(store, ImagenetKey, [2, 2], overwrite: true);
        CollectionAssert.AreEqual(new byte[] { 2, 2 }, await ReadAllAsync(store, ImagenetKey));

        await store.SaveAsync(new BytesModel(Resnet, [3]), "imagenet", overwrite: true, cancellationToken: Cancel);
        CollectionAssert.AreEqual(new byte[] { 3 }, await ReadAllAsync(store, ImagenetKey));
    }

    [TestMethod]
    public async Task A_model_failing_mid_save_leaves_the_old_state_intact()
    {
        var store = await CreateStoreAsync();
        await WriteBytesAsync(store, ImagenetKey, [9, 9, 9]);
        var failing = new BytesModel(Resnet, RandomBytes(10_000, seed: 3)) { FailAfterBytes = 5000 };

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(failing, "imagenet", overwrite: true, cancellationToken: Cancel));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(failing, "new-one", cancellationToken: Cancel));

        CollectionAssert.AreEqual(new byte[] { 9, 9, 9 }, await ReadAllAsync(store, ImagenetKey));
        Assert.IsFalse(await store.ExistsAsync(new StateKey(Resnet, "new-one"), Cancel));
    }

    [TestMethod]
    public async Task Concurrent_overwriting_writers_leave_one_whole_state()
    {
        var store = await CreateStoreAsync();
        var contents = Enumerable.Range(0, 6).Select(i => RandomBytes(200_000 + i, seed: 10 + i)).ToArray();

        await Task.WhenAll(contents.Select(bytes => Task.Run(() => WriteBytesAsync(store, ImagenetKey, bytes, overwrite: true))));

        var final = await ReadAllAsync(store, ImagenetKey);
        Assert.IsTrue(contents.Any(bytes => bytes.AsSpan().SequenceEqual(final)), "The state is not exactly one writer's bytes.");
    }

    [TestMethod]
    public async Task Concurrent_creating_writers_have_one_winner()
    {
        if (!HasAtomicCreate)
        {
            Assert.Inconclusive("This backend cannot create a key atomically; covered by the overwrite test.");
        }

        var store = await CreateStoreAsync();
        var contents = Enumerable.Range(0, 6).Select(i => RandomBytes(100_000, seed: 20 + i)).ToArray();

        var outcomes = await Task.WhenAll(contents.Select(bytes => Task.Run(async () =>
        {
            try
            {
                await WriteBytesAsync(store, ImagenetKey, bytes);
                return (Won: true, Bytes: bytes);
            }
            catch (StateStoreException e) when (e.Error == StateStoreError.AlreadyExists)
            {
                return (Won: false, Bytes: bytes);
            }
        })));

        var winners = outcomes.Where(outcome => outcome.Won).ToArray();
        Assert.AreEqual(1, winners.Length);
        CollectionAssert.AreEqual(winners[0].Bytes, await ReadAllAsync(store, ImagenetKey));
    }

    [TestMethod]
    public async Task Concurrent_writers_of_different_keys_all_land()
    {
        var store = await CreateStoreAsync();
        var keys = Enumerable.Range(0, 8).Select(i => new StateKey(Resnet, $"run-{i}")).ToArray();

        await Task.WhenAll(keys.Select((key, i) => Task.Run(() => WriteBytesAsync(store, key, RandomBytes(50_000, seed: 30 + i)))));

        CollectionAssert.AreEquivalent(keys, (await store.GetStateKeysAsync(Resnet, Cancel)).ToArray());
        for (var i = 0; i < keys.Length; i++)
        {
            CollectionAssert.AreEqual(RandomBytes(50_000, seed: 30 + i), await ReadAllAsync(store, keys[i]));
        }
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
                await store.WriteAsync(ImagenetKey, source, cancellationToken: Cancel);
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
        await WriteBytesAsync(store, ImagenetKey, [1]);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.ExistsAsync(ImagenetKey, cancelled.Token));
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.GetStateKeysAsync(Resnet, cancelled.Token));
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.OpenReadAsync(ImagenetKey, cancelled.Token));
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.WriteAsync(new StateKey(Resnet, "other"), new MemoryStream([1]), cancellationToken: cancelled.Token));
        Assert.IsFalse(await store.ExistsAsync(new StateKey(Resnet, "other"), Cancel));
    }

    [TestMethod]
    public async Task A_write_cancelled_mid_stream_leaves_nothing_behind()
    {
        var store = await CreateStoreAsync();
        var key = new StateKey(Resnet, "cancelled");
        using var cancellation = new CancellationTokenSource();
        await using var source = new PatternStream(64L * 1024 * 1024, seed: 6);
        source.OnRead = position =>
        {
            if (position > 8L * 1024 * 1024)
            {
                cancellation.Cancel();
            }
        };

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.WriteAsync(key, source, cancellationToken: cancellation.Token));

        Assert.IsFalse(await store.ExistsAsync(key, Cancel));
        Assert.AreEqual(0, (await store.GetStateKeysAsync(Resnet, Cancel)).Count);
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
