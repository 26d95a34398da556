namespace ModelStore.Stores;

/// <summary>
/// An optional capability of a store: its files can also be named by path, outside the state layout, such as
/// <c>model.safetensors</c> or <c>onnx/model.onnx</c> in a Hugging Face repository. A <c>ModelState</c> item's <c>Path</c>
/// metadata and <c>modelstore pull --path</c> use it.
/// </summary>
public interface IFileAddressableStore : IStateStore
{
    /// <summary>
    /// A view of the one file <paramref name="path"/> (relative, <c>/</c>-separated, no <c>.</c> or <c>..</c>
    /// segment): it serves that file's bytes under whatever key it is asked for, and its <see cref="IStateStore.Id"/>
    /// names the file, so the cache keeps it apart from the store's layout. A store that saves states (Local, S3,
    /// AzureBlob) also writes the file through the view (how a mirror holds bundle files); others refuse with
    /// <see cref="StateStoreError.ReadOnly"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not a valid relative path; the message says why.</exception>
    IStateStore ForFile(string path);
}
