using System.Collections.Immutable;
using ModelStore.TorchSharp.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Loading;

/// <summary>
/// Copies a state file's tensors into a module's parameters and buffers, by state-dict name.
/// Strict: every name and shape must match, else <see cref="StateLoadException"/> and the module is
/// untouched. Partial: what fits is loaded and the rest reported.
/// </summary>
public static class StateLoader
{
    /// <summary>Loads <paramref name="state"/> into <paramref name="module"/>.</summary>
    /// <exception cref="StateLoadException">Strict load and the state does not match.</exception>
    /// <exception cref="StateFormatException">The file's bytes are cut short or malformed.</exception>
    public static StateLoadReport Load(nn.Module module, StateFile state, bool strict = true) =>
        Load(module, state, StateLoadOptions.For(strict));

    /// <summary>Loads <paramref name="state"/> into <paramref name="module"/>, mapping names as <paramref name="options"/> say.</summary>
    /// <exception cref="StateLoadException">Strict load and the state does not match.</exception>
    /// <exception cref="StateFormatException">The file's bytes are cut short or malformed.</exception>
    /// <exception cref="ArgumentException">The name mapping gives two state entries the same name, or an empty one.</exception>
    public static StateLoadReport Load(nn.Module module, StateFile state, StateLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var (byName, renamed) = MapNames(state, options);
        var strict = options.Strict;
        var targets = module.state_dict();
        var loaded = ImmutableArray.CreateBuilder<string>();
        var missing = ImmutableArray.CreateBuilder<string>();
        var mismatched = ImmutableArray.CreateBuilder<StateMismatch>();
        var converted = ImmutableArray.CreateBuilder<string>();
        var plan = new List<(StateTensorInfo Source, Tensor Target)>();
        foreach (var (name, target) in targets)
        {
            var source = byName.GetValueOrDefault(name);
            if (source is null)
            {
                missing.Add(name);
            }
            else if (!source.Shape.AsSpan().SequenceEqual(target.shape))
            {
                mismatched.Add(new StateMismatch(name, StateLoadReport.ShapeOf(target), source.Shape));
            }
            else
            {
                plan.Add((source, target));
                loaded.Add(name);
                if (source.DType != target.dtype)
                {
                    converted.Add(name);
                }
            }
        }

        var unexpected = byName.Keys.Where(name => !targets.ContainsKey(name)).ToImmutableArray();
        var report = new StateLoadReport(loaded.ToImmutable(), missing.ToImmutable(), unexpected, mismatched.ToImmutable(), converted.ToImmutable(), renamed, state.StateDictPath);
        if (strict && !report.IsComplete)
        {
            throw new StateLoadException(report);
        }

        using (no_grad())
        {
            foreach (var (source, target) in plan)
            {
                if (target.device_type == DeviceType.CPU && target.is_contiguous())
                {
                    state.CopyInto(source, target);
                }
                else
                {
                    using var value = state.ReadTensor(source);
                    target.copy_(value);
                }
            }
        }

        return report;
    }

    private static (Dictionary<string, StateTensorInfo> ByName, ImmutableArray<StateRename> Renamed) MapNames(StateFile state, StateLoadOptions options)
    {
        var byName = new Dictionary<string, StateTensorInfo>(StringComparer.Ordinal);
        var renamed = ImmutableArray.CreateBuilder<StateRename>();
        foreach (var tensor in state.Tensors)
        {
            var name = options.Map(tensor.Name);
            if (!byName.TryAdd(name, tensor))
            {
                throw new ArgumentException($"The name mapping gives state entries '{byName[name].Name}' and '{tensor.Name}' the same name '{name}'.", nameof(options));
            }

            if (name != tensor.Name)
            {
                renamed.Add(new StateRename(tensor.Name, name));
            }
        }

        return (byName, renamed.ToImmutable());
    }
}
