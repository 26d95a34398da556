using ModelStore.Generators.Helpers;

namespace ModelStore.Generators.Model;

/// <summary>One well-formed <c>[state]</c> section of a descriptor file: a resolved <c>ModelState</c> item.</summary>
/// <param name="FilePath">The descriptor file holding the section.</param>
/// <param name="Item">The item's Include as written in the project (for messages).</param>
/// <param name="Key">The canonical state key (already validated).</param>
/// <param name="Store">The name of the store the state was resolved from.</param>
/// <param name="Sha256">The SHA-256 of the bytes, lower-case hexadecimal.</param>
/// <param name="Size">The size of the bytes.</param>
/// <param name="AccessorName">The item's AccessorName, or <see langword="null"/> to derive one from the key.</param>
/// <param name="AccessorLine">The zero-based line of <c>accessor=</c> (or of <c>key=</c> when absent), for diagnostics.</param>
/// <param name="OutputPath">Where the build copies the bytes relative to the output folder ('/'-separated), or <see langword="null"/>.</param>
internal sealed record StateDescriptor(
    string FilePath,
    string Item,
    string Key,
    string Store,
    string Sha256,
    long Size,
    string? AccessorName,
    int AccessorLine,
    string? OutputPath)
{
    /// <summary>Where the state dict is inside the file (the item's <c>StateDictPath</c>), or <see langword="null"/>.</summary>
    public string? StateDictPath { get; init; }

    /// <summary>A bundle's files (<c>files=</c>), or <see langword="null"/> for a single-file state.</summary>
    public EquatableArray<BundleFileSpec>? Files { get; init; }
}

/// <summary>One file of a bundle state.</summary>
/// <param name="Path">The path in the bundle, '/'-separated.</param>
/// <param name="Sha256">The SHA-256 of its bytes, lower-case hexadecimal.</param>
/// <param name="Size">Its size in bytes.</param>
internal sealed record BundleFileSpec(string Path, string Sha256, long Size);
