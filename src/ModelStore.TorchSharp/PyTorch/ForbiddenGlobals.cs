using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// The strict rule for what a state dict holds: tensors, and nothing built from a global outside the allow-list
/// (<see cref="PickleGlobal.IsStateDictPart"/>). Outside the state dict such values are inert data; inside it they are refused.
/// </summary>
internal static class ForbiddenGlobals
{
    /// <summary>The first global outside the allow-list that <paramref name="value"/> holds at any depth, or <see langword="null"/>.</summary>
    public static PickleGlobal? FindIn(object? value)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>();
        pending.Push(value);
        while (pending.TryPop(out var next))
        {
            if (next is null || next is string || next.GetType().IsValueType || !seen.Add(next))
            {
                continue;
            }

            switch (next)
            {
                case PickleGlobal global when !global.IsStateDictPart:
                    return global;
                case PickleObject created:
                    return created.Global;
                case PickleDict dict:
                    pending.Push(dict.Attributes);
                    foreach (var (key, item) in dict.Items)
                    {
                        pending.Push(key);
                        pending.Push(item);
                    }

                    break;
                case PickleSet set:
                    set.Items.ForEach(pending.Push);
                    break;
                case IReadOnlyList<object?> list:
                    foreach (var item in list)
                    {
                        pending.Push(item);
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>The refusal of <paramref name="global"/> found in <paramref name="where"/>.</summary>
    public static StateFormatException Refusal(PickleGlobal global, string where) =>
        new(
            StateFormatError.ForbiddenGlobal,
            $"The state-dict pickle names '{global.QualifiedName}' in {where}, which is not part of a state dict; it was refused and nothing was executed. "
            + "A state dict may hold only tensors (collections.OrderedDict, torch._utils._rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter and the torch storage types); "
            + "other Python objects are read as inert data only outside it, in a checkpoint's other entries.");
}
