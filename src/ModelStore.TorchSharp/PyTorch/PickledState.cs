using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>What a PyTorch file's pickle holds: its root object, and where each storage it names lies in the file.</summary>
internal sealed record PickledState(object? Root, IReadOnlyDictionary<string, StorageSpan> Storages);
