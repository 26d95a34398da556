using Microsoft.Build.Framework;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The <c>Path</c> metadata of a <c>ModelState</c> item: a file of the store named by its path instead of the layout's
/// name (<c>model.safetensors</c>, <c>onnx/model.onnx</c> in a Hugging Face Hub repository). The task checks its form
/// here; the store (an <see cref="Stores.IFileAddressableStore"/>) serves the file.
/// </summary>
internal static class FilePathMetadata
{
    public const string Name = "Path";

    /// <summary>The item's path, or <see langword="null"/> when it sets none; false with a reason when it is malformed.</summary>
    public static bool TryRead(ITaskItem item, out string? path, out string? problem)
    {
        var text = item.GetMetadata(Name).Trim();
        path = text.Length == 0 ? null : text;
        problem = path is null ? null
            : path.Any(char.IsControl) ? "contains a control character"
            : path.Contains('\\', StringComparison.Ordinal) ? "contains '\\' (separate folders with '/')"
            : path.StartsWith('/') ? "starts with '/' (paths are relative to the store's root)"
            : path.Split('/').Any(segment => segment.Trim().Length == 0 || segment is "." or "..") ? "has an empty, '.' or '..' folder"
            : null;
        return problem is null;
    }
}
