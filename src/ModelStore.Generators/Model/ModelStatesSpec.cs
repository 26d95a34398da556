using ModelStore.Generators.Helpers;

namespace ModelStore.Generators.Model;

/// <summary>Everything the emitter needs: the namespace, the members in order, and the diagnostics to report.</summary>
/// <param name="Namespace">The namespace of <c>ModelStates</c>, or <see langword="null"/> for the global namespace.</param>
/// <param name="States">The members, sorted by name (ordinal).</param>
/// <param name="Diagnostics">Problems found in the descriptors and options, in a stable order.</param>
/// <param name="EmitEvenIfEmpty">
/// The project has descriptors (and a valid namespace): the class is emitted even when every state was rejected, so
/// code using <c>ModelStates</c> compiles and the only errors are the generator's own MSG diagnostics.
/// </param>
internal sealed record ModelStatesSpec(string? Namespace, EquatableArray<StateAccessor> States, EquatableArray<DiagnosticInfo> Diagnostics, bool EmitEvenIfEmpty = false);
