using Microsoft.CodeAnalysis;

namespace ModelStore.Generators;

/// <summary>
/// Every diagnostic the generator reports. Ids are sequential and never reused; each message names the
/// <c>ModelState</c> item (its Include as written in the project) so the user finds it in the .csproj.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ModelStore.Build";

    public static readonly DiagnosticDescriptor InvalidKey = new(
        id: "MSG0001",
        title: "Invalid state key",
        messageFormat: "ModelState '{0}': '{1}' is not a valid state key: {2}. Expected backend/architecture[.extra...].trainingId, each part made of letters, digits, '_' or '-'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidAccessorName = new(
        id: "MSG0002",
        title: "Invalid accessor name",
        messageFormat: "ModelState '{0}' (key {1}): the accessor name '{2}' {3}. Set AccessorName on the item to a valid C# identifier.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateAccessorName = new(
        id: "MSG0003",
        title: "Two states have the same accessor name",
        messageFormat: "ModelState '{0}' (key {1}) and ModelState '{2}' (key {3}) both get the accessor name '{4}'. Set AccessorName on one of them.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MalformedDescriptor = new(
        id: "MSG0004",
        title: "Malformed state descriptor",
        messageFormat: "ModelState '{0}': its descriptor {1} is malformed: {2}. It is written by the ModelStore.Build task; rebuild, and report a bug if this persists.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidNamespace = new(
        id: "MSG0005",
        title: "Invalid namespace for ModelStates",
        messageFormat: "The namespace '{0}' (from the {1} property) is not a valid C# namespace. Set the ModelStatesNamespace property to one, for example MyApp.Models.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
