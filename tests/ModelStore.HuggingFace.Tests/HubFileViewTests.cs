using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>Files named by path (the <c>Path</c> metadata, <c>--path</c>, list-store entries) rather than by layout.</summary>
[TestClass]
public sealed class HubFileViewTests : HubTestBase
{
    [TestMethod]
    public async Task A_file_view_serves_one_file_under_any_key_with_an_identity_of_its_own()
    {
        var repository = HubServer.NewRepository("view");
        var onnx = RandomBytes(2048);
        var commit = Hub.CommitFile(repository, "onnx/model.onnx", onnx);
        var store = CreateStore(repository);
        var view = store.ForFile("onnx/model.onnx");
        var other = StateKey.Parse("onnx/minilm.l6.v2");

        CollectionAssert.AreEqual(onnx, await ReadAsync(view, Resnet));
        CollectionAssert.AreEqual(onnx, await ReadAsync(view, other));
        Assert.IsTrue(await view.ExistsAsync(other, Cancel));
        Assert.AreEqual(0, (await view.GetStateKeysAsync(other.StateType, Cancel)).Count);
        Assert.AreEqual($"hf-file:{Hub.Endpoint.AbsoluteUri}{repository}@main/onnx/model.onnx", view.Id);
        Assert.AreEqual($"hf-file:{Hub.Endpoint.AbsoluteUri}{repository}@{commit}/onnx/model.onnx", store.AtRevision(commit).ForFile("onnx/model.onnx").Id);
        Assert.AreNotEqual(store.Id, view.Id);
        Assert.AreNotEqual(view.Id, store.ForFile("model.onnx").Id);
        Assert.IsFalse(await store.ForFile("onnx/absent.onnx").ExistsAsync(Resnet, Cancel));
        var refused = await Assert.ThrowsExactlyAsync<StateStoreException>(() => view.WriteAsync(Resnet, new MemoryStream([1]), cancellationToken: Cancel));
        Assert.AreEqual(StateStoreError.ReadOnly, refused.Error);
        StringAssert.Contains(refused.Message, "read-only");
    }

    [TestMethod]
    public async Task A_file_list_lists_its_keys_and_reads_each_from_its_path()
    {
        var repository = HubServer.NewRepository("list");
        var fp32 = RandomBytes(300);
        var int8 = RandomBytes(100);
        Hub.Commit(repository, new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = fp32, ["onnx/model_quint8_avx2.onnx"] = int8 });
        var full = StateKey.Parse("onnx/minilm.l6.fp32");
        var quantized = StateKey.Parse("onnx/minilm.l6.int8");
        var store = CreateStore(repository);
        var list = store.ForFiles([new(full, "onnx/model.onnx"), new(quantized, "onnx/model_quint8_avx2.onnx")]);

        var keys = await list.GetStateKeysAsync(StateType.Parse("onnx/minilm"), Cancel);
        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => list.OpenReadAsync(Resnet, Cancel));

        CollectionAssert.AreEqual(new[] { full, quantized }, keys.ToArray());
        CollectionAssert.AreEqual(fp32, await ReadAsync(list, full));
        CollectionAssert.AreEqual(int8, await ReadAsync(list, quantized));
        Assert.IsFalse(await list.ExistsAsync(Resnet, Cancel));
        Assert.AreEqual(StateStoreError.NotFound, missing.Error);
        Assert.AreNotEqual(list.Id, store.ForFiles([new(full, "onnx/model_quint8_avx2.onnx")]).Id, "another mapping, another cache identity");
        Assert.ThrowsExactly<ArgumentException>(() => store.ForFiles([new(full, "a.onnx"), new(full, "b.onnx")]));
    }

    [TestMethod]
    [DataRow("../secrets.txt")]
    [DataRow("/model.onnx")]
    [DataRow("onnx//model.onnx")]
    [DataRow("onnx/./model.onnx")]
    [DataRow("onnx\\model.onnx")]
    [DataRow(" ")]
    public void Paths_outside_the_repository_or_malformed_are_argument_errors(string path)
    {
        var store = CreateStore(HubServer.NewRepository("paths"));

        var error = Assert.ThrowsExactly<ArgumentException>(() => store.ForFile(path));

        StringAssert.Contains(error.Message, "path");
    }
}
