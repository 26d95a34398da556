using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelStore.Generators.Helpers;

namespace ModelStore.Generators.Model;

/// <summary>
/// A diagnostic to report, held as plain values (no <see cref="Location"/>) so models stay equatable and cacheable.
/// </summary>
/// <param name="Descriptor">The diagnostic's descriptor (one of <see cref="DiagnosticDescriptors"/>).</param>
/// <param name="FilePath">The descriptor file it is about, or <see langword="null"/> for a project-wide problem.</param>
/// <param name="Line">The zero-based line in that file.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, string? FilePath, int Line, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, string? filePath, int line, params string[] arguments) =>
        new(descriptor, filePath, line, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic()
    {
        var location = FilePath is null
            ? Location.None
            : Location.Create(FilePath, default, new LinePositionSpan(new LinePosition(Line, 0), new LinePosition(Line, 0)));
        var arguments = new object[Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        return Diagnostic.Create(Descriptor, location, arguments);
    }
}
