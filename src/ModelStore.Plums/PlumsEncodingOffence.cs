using System.Globalization;

namespace ModelStore.Plums;

/// <summary>
/// A YAML file of the model (<c>metadata.yaml</c>, <c>data/build_parameters.yaml</c>) that is not valid UTF-8: Plums
/// refuses it, so this reader does too rather than turning the bad bytes into U+FFFD.
/// </summary>
/// <param name="File">The file, relative to the model folder.</param>
/// <param name="ByteOffset">The offset of the first byte that is not part of a valid UTF-8 sequence.</param>
/// <param name="Byte">That byte.</param>
public sealed record PlumsEncodingOffence(string File, long ByteOffset, byte Byte)
    : PlumsOffence(File, string.Create(CultureInfo.InvariantCulture, $"not valid UTF-8: byte 0x{Byte:X2} at offset {ByteOffset} does not decode"));
