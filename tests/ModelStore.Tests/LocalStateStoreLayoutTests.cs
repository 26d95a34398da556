using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

/// <summary>The local store's on-disk layout is MoZuMa's, byte for byte and name for name.</summary>
[TestClass]
public sealed class LocalStateStoreLayoutTests
{
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("modelstore-layout-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task A_saved_state_lands_exactly_where_MoZuMa_puts_it()
    {
        var store = new LocalStateStore(_folder);
        var model = new BytesModel(new StateType("pytorch", "resnet18", "cls1000"), [1, 2, 3, 4]);

        var key = await store.SaveAsync(model, "imagenet", cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", key.ToString());
        CollectionAssert.AreEqual(new[] { "pytorch.resnet18.cls1000.imagenet.pt" }, Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).ToArray());
        CollectionAssert.AreEqual(model.State, await File.ReadAllBytesAsync(Path.Combine(_folder, "pytorch.resnet18.cls1000.imagenet.pt"), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task A_file_placed_by_hand_is_listed_and_loaded()
    {
        var bytes = new byte[] { 0x50, 0x4B, 3, 4, 42 };
        await File.WriteAllBytesAsync(Path.Combine(_folder, "pytorch.clip-image-rn50.clip.pt"), bytes, TestContext.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "pytorch.resnet18.imagenet.pt"), [9], TestContext.CancellationToken);
        var store = new LocalStateStore(_folder);
        var type = new StateType("pytorch", "clip-image-rn50");

        var keys = await store.GetStateKeysAsync(type, TestContext.CancellationToken);
        var model = new BytesModel(type);
        await store.LoadAsync(model, keys.Single(), TestContext.CancellationToken);

        Assert.AreEqual(StateKey.Parse("pytorch/clip-image-rn50.clip"), keys.Single());
        CollectionAssert.AreEqual(bytes, model.State);
    }

    [TestMethod]
    public async Task Listing_ignores_foreign_and_partial_files_and_subfolders()
    {
        string[] foreign =
        [
            "README.md",
            "pytorch.resnet18.pt",
            "pytorch.resnet18.imagenet.pt.bak",
            ".pytorch.resnet18.x.imagenet.pt.0123.partial",
            "pytorch.resnet18..imagenet.pt",
            "pytorch.resnet18.image net.pt",
            "pytorch.resnet18.imagenet.PT",
        ];
        foreach (var name in foreign)
        {
            await File.WriteAllBytesAsync(Path.Combine(_folder, name), [1], TestContext.CancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(_folder, "pytorch.resnet18.folder.pt"));
        await File.WriteAllBytesAsync(Path.Combine(_folder, "pytorch.resnet18.cls2.real.pt"), [1], TestContext.CancellationToken);
        var store = new LocalStateStore(_folder);

        var keys = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18"), TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { StateKey.Parse("pytorch/resnet18.cls2.real") }, keys.ToArray());
    }

    [TestMethod]
    public async Task A_missing_folder_lists_nothing_and_is_created_on_first_write()
    {
        var folder = Path.Combine(_folder, "not", "yet");
        var store = new LocalStateStore(folder);

        Assert.AreEqual(0, (await store.GetStateKeysAsync(new StateType("pytorch", "resnet18"), TestContext.CancellationToken)).Count);
        await store.WriteAsync(StateKey.Parse("pytorch/resnet18.v1"), new MemoryStream([1]), cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(File.Exists(Path.Combine(folder, "pytorch.resnet18.v1.pt")));
    }

    [TestMethod]
    public async Task No_temporary_file_is_left_after_writes_succeed_or_fail()
    {
        var store = new LocalStateStore(_folder);
        var key = StateKey.Parse("pytorch/resnet18.v1");
        await store.WriteAsync(key, new MemoryStream([1]), cancellationToken: TestContext.CancellationToken);
        await Assert.ThrowsAsync<StateStoreException>(() => store.WriteAsync(key, new MemoryStream([2]), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(StateKey.Parse("pytorch/resnet18.v2"), new FailingStream(), cancellationToken: TestContext.CancellationToken));

        CollectionAssert.AreEqual(new[] { "pytorch.resnet18.v1.pt" }, Directory.GetFiles(_folder).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void File_names_round_trip_through_keys()
    {
        var key = StateKey.Parse("pytorch/resnet18.cls1000.rgb.imagenet");

        Assert.AreEqual("pytorch.resnet18.cls1000.rgb.imagenet.pt", LocalStateStore.GetFileName(key));
        Assert.AreEqual(key, LocalStateStore.TryParseFileName(LocalStateStore.GetFileName(key)));
        Assert.IsNull(LocalStateStore.TryParseFileName("pytorch.resnet18.pt"));
    }

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream()
            : base(new byte[1000])
        {
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position > 0 ? throw new IOException("The source broke.") : base.ReadAsync(buffer[..10], cancellationToken);
    }
}
