using ModelStore.Generators.Helpers;

namespace ModelStore.Generators.Model;

/// <summary>What one section of a descriptor file yields: the descriptor when it is usable, and the problems found.</summary>
internal sealed record DescriptorParseResult(StateDescriptor? Descriptor, EquatableArray<DiagnosticInfo> Diagnostics);
