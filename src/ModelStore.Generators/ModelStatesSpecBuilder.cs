using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using ModelStore.Generators.Helpers;
using ModelStore.Generators.Model;

namespace ModelStore.Generators;

/// <summary>
/// Turns every parsed descriptor and the project's options into the <see cref="ModelStatesSpec"/> to emit:
/// names each state, rejects invalid and clashing names, picks the namespace, and orders everything.
/// </summary>
internal static class ModelStatesSpecBuilder
{
    public static ModelStatesSpec Build(ImmutableArray<DescriptorParseResult> results, GeneratorOptions options)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var named = new List<(StateDescriptor Descriptor, string Name)>();
        // Additional files arrive in project order; sorting makes names, clashes and messages the same on every machine.
        foreach (var result in results.OrderBy(static r => r.Descriptor?.Key ?? string.Empty, StringComparer.Ordinal)
                     .ThenBy(static r => r.Descriptor?.FilePath ?? (r.Diagnostics.Count == 0 ? null : r.Diagnostics[0].FilePath), StringComparer.Ordinal))
        {
            diagnostics.AddRange(result.Diagnostics);
            if (result.Descriptor is not { } descriptor)
            {
                continue;
            }

            var name = descriptor.AccessorName;
            if (name is null)
            {
                StateKeyRules.TryParseKey(descriptor.Key, out var parts, out _);
                name = AccessorNaming.FromKeyParts(parts);
            }

            var problem = AccessorNaming.Check(name);
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidAccessorName, descriptor.FilePath, descriptor.AccessorLine, descriptor.Item, descriptor.Key, name, problem));
                continue;
            }

            named.Add((descriptor, name));
        }

        var states = new List<StateAccessor>();
        foreach (var group in named.GroupBy(static n => n.Name, StringComparer.Ordinal))
        {
            var members = group.ToList();
            if (members.Count == 1)
            {
                var d = members[0].Descriptor;
                states.Add(new StateAccessor(group.Key, d.Key, d.Store, d.Sha256, d.Size, d.OutputPath) { StateDictPath = d.StateDictPath, Files = d.Files });
                continue;
            }

            // None of the clashing states is emitted: picking one would be arbitrary.
            var first = members[0].Descriptor;
            foreach (var (other, _) in members.Skip(1))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateAccessorName, other.FilePath, other.AccessorLine, first.Item, first.Key, other.Item, other.Key, group.Key));
            }
        }

        states.Sort(static (a, b) => StringComparer.Ordinal.Compare(a.Name, b.Name));
        var namespaceValid = TryResolveNamespace(options, diagnostics, out var ns);
        if (!namespaceValid)
        {
            // Emitting into another namespace than the one asked for would only move the error elsewhere.
            states.Clear();
        }

        return new ModelStatesSpec(ns, states.ToEquatableArray(), diagnostics.ToEquatableArray(), EmitEvenIfEmpty: namespaceValid && results.Length > 0);
    }

    private static bool TryResolveNamespace(GeneratorOptions options, List<DiagnosticInfo> diagnostics, out string? result)
    {
        result = null;
        var (ns, property) = options.ModelStatesNamespace is { } explicitNamespace
            ? (explicitNamespace, GeneratorOptions.ModelStatesNamespaceProperty)
            : (options.RootNamespace, GeneratorOptions.RootNamespaceProperty);
        if (ns is null)
        {
            return true;
        }

        if (ns.StartsWith("global::", StringComparison.Ordinal))
        {
            ns = ns.Substring("global::".Length);
        }

        foreach (var part in ns.Split('.'))
        {
            if (!SyntaxFacts.IsValidIdentifier(part) || SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNamespace, null, 0, ns, property));
                return false;
            }
        }

        result = ns;
        return true;
    }
}
