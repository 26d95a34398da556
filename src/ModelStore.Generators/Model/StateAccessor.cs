using ModelStore.Generators.Helpers;

namespace ModelStore.Generators.Model;

/// <summary>One member of the generated <c>ModelStates</c> class.</summary>
/// <param name="Name">The member name (a valid, unique C# identifier).</param>
/// <param name="Key">The canonical state key.</param>
/// <param name="Store">The store name.</param>
/// <param name="Sha256">The SHA-256, lower-case hexadecimal.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="OutputPath">The path relative to the output folder, or <see langword="null"/>.</param>
internal sealed record StateAccessor(string Name, string Key, string Store, string Sha256, long Size, string? OutputPath)
{
    /// <summary>Where the state dict is inside the file, or <see langword="null"/> (then nothing is emitted for it).</summary>
    public string? StateDictPath { get; init; }

    /// <summary>A bundle's files, or <see langword="null"/> for a single-file state.</summary>
    public EquatableArray<BundleFileSpec>? Files { get; init; }
}
