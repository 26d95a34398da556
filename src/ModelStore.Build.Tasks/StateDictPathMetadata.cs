using Microsoft.Build.Framework;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The <c>StateDictPath</c> metadata of a <c>ModelState</c> item: where the state dict is inside a checkpoint
/// (<c>model</c>, <c>state_dict</c>, <c>model.encoder</c>). The task only checks its form and hands it to the
/// generator through the descriptor; the TorchSharp loader reads it at run time.
/// </summary>
internal static class StateDictPathMetadata
{
    public const string Name = "StateDictPath";

    /// <summary>The item's path, or <see langword="null"/> when it sets none; false with a reason when it is malformed.</summary>
    public static bool TryRead(ITaskItem item, out string? path, out string? problem)
    {
        var text = item.GetMetadata(Name).Trim();
        path = text.Length == 0 ? null : text;
        problem = path is null ? null
            : path.Any(char.IsControl) ? "contains a control character"
            : path.Split('.').Any(part => part.Length == 0) ? "has an empty part (names are separated by single dots, for example model.encoder)"
            : null;
        return problem is null;
    }
}
