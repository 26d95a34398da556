using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

[TestClass]
public sealed class ListStateStoreTests
{
    private static readonly StateKey Imagenet = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");
    private static readonly StateKey Places = StateKey.Parse("pytorch/resnet18.cls365.places");
    private static readonly StateKey Clip = StateKey.Parse("pytorch/clip-image-rn50.clip");

    public TestContext TestContext { get; set; } = null!;

    private static ListStateStore CreateStore(List<StateKey>? downloaded = null) => new(
        new[] { Imagenet, Places, Clip }.Select(key => KeyValuePair.Create<StateKey, Func<CancellationToken, Task<Stream>>>(key, _ =>
        {
            downloaded?.Add(key);
            return Task.FromResult<Stream>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(key.ToString())));
        })),
        "paper weights");

    [TestMethod]
    public async Task Lists_compatible_keys_in_declaration_order()
    {
        var store = CreateStore();

        var keys = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18", "cls2"), TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { Imagenet, Places }, keys.ToArray());
        Assert.IsTrue(await store.ExistsAsync(Clip, TestContext.CancellationToken));
        Assert.IsFalse(await store.ExistsAsync(StateKey.Parse("pytorch/clip.clip"), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Loading_runs_the_key_s_downloader_only()
    {
        var downloaded = new List<StateKey>();
        var store = CreateStore(downloaded);
        var model = new BytesModel(new StateType("pytorch", "resnet18", "cls2"));

        await store.LoadAsync(model, Places, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { Places }, downloaded);
        Assert.AreEqual(Places.ToString(), System.Text.Encoding.UTF8.GetString(model.State));
    }

    [TestMethod]
    public async Task Saving_is_a_clear_read_only_error()
    {
        var store = CreateStore();

        var save = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.SaveAsync(new BytesModel(Imagenet.StateType, [1]), "mine", cancellationToken: TestContext.CancellationToken));
        var write = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Imagenet, new MemoryStream(), overwrite: true, TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.ReadOnly, save.Error);
        Assert.AreEqual(StateStoreError.ReadOnly, write.Error);
        StringAssert.Contains(save.Message, "read-only");
        StringAssert.Contains(save.Message, "paper weights");
    }

    [TestMethod]
    public async Task Unknown_keys_are_not_found()
    {
        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore().OpenReadAsync(StateKey.Parse("pytorch/resnet18.cls1000.other"), TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
    }

    [TestMethod]
    public void A_key_listed_twice_is_refused()
    {
        Func<CancellationToken, Task<Stream>> open = _ => Task.FromResult<Stream>(new MemoryStream());

        Assert.ThrowsExactly<ArgumentException>(() => new ListStateStore([KeyValuePair.Create(Imagenet, open), KeyValuePair.Create(Imagenet, open)]));
    }
}
