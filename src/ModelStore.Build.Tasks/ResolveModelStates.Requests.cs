using ModelStore.Caching;
using ModelStore.States;

namespace ModelStore.Build.Tasks;

public sealed partial class ResolveModelStates
{
    /// <summary>Validates the <c>ModelState</c> items; each bad one is logged (MST0001, MST0002, MST0011) and skipped.</summary>
    private List<StateRequest> ReadRequests(DeclaredStores stores)
    {
        var requests = new List<StateRequest>();
        var seen = new Dictionary<StateKey, string>();
        foreach (var item in States)
        {
            var spec = item.ItemSpec.Trim();
            if (!StateKey.TryParse(spec, out var key, out var why))
            {
                Error(ErrorCodes.InvalidKey, $"ModelState '{spec}' is not a valid state key: {why.TrimEnd('.')}. Write it as backend/architecture[.extra...].trainingId, for example pytorch/resnet18.cls1000.imagenet.");
                continue;
            }

            var store = item.GetMetadata("Store").Trim();
            if (store.Length == 0)
            {
                var choice = stores.Names.Any() ? $" One of: {string.Join(", ", stores.Names)}." : " Declare one with a ModelStore item first.";
                Error(ErrorCodes.UnknownStore, $"ModelState '{spec}' has no Store metadata. Add Store=\"<name of a ModelStore item>\".{choice}");
                continue;
            }

            if (!stores.IsDeclared(store))
            {
                var declared = stores.Names.Any() ? $"Declared stores: {string.Join(", ", stores.Names)}." : "The project declares no ModelStore item.";
                Error(ErrorCodes.UnknownStore, $"ModelState '{spec}' uses the store '{store}', which no ModelStore item declares. {declared} Add <ModelStore Include=\"{store}\" Kind=\"...\" /> or fix the Store metadata.");
                continue;
            }

            if (!stores.IsValid(store))
            {
                continue; // MST0008 already logged on the store.
            }

            string? pin = null;
            var pinText = item.GetMetadata("Sha256").Trim();
            if (pinText.Length > 0)
            {
                try
                {
                    pin = StateCache.NormalizeSha256(pinText);
                }
                catch (ArgumentException)
                {
                    Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has Sha256=\"{pinText}\", which is not a SHA-256 (64 hexadecimal digits). Fix it or remove the pin.");
                    continue;
                }
            }

            if (!StateDictPathMetadata.TryRead(item, out _, out var pathProblem))
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has StateDictPath=\"{item.GetMetadata(StateDictPathMetadata.Name).Trim()}\", which {pathProblem}. Fix it or remove it.");
                continue;
            }

            if (seen.TryGetValue(key, out var first))
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' is declared twice (also as '{first}'). Keep one item per state.");
                continue;
            }

            seen[key] = spec;
            var accessor = item.GetMetadata("AccessorName").Trim();
            requests.Add(new StateRequest(item, key, store, pin, accessor.Length == 0 ? null : accessor, IsCopied(item.GetMetadata("CopyToOutputDirectory"))));
        }

        return requests;
    }

    private static bool IsCopied(string value) => value.Trim().ToUpperInvariant() switch
    {
        "" or "NEVER" or "FALSE" => false,
        _ => true, // Always, PreserveNewest, IfDifferent, true.
    };
}
