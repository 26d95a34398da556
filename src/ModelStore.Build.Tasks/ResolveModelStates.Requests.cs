using System.Diagnostics.CodeAnalysis;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

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
            Uri? url = null;
            var urlText = item.GetMetadata("Url").Trim();
            if (urlText.Length > 0)
            {
                if (store.Length > 0)
                {
                    Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has both Url and Store. A state comes from one place: keep Url for a file on the web, or Store for a declared store.");
                    continue;
                }

                if (!TryReadUrl(spec, urlText, out url))
                {
                    continue;
                }

                store = UrlStoreName(url, key);
            }
            else if (store.Length == 0)
            {
                var choice = stores.Names.Any() ? $" One of: {string.Join(", ", stores.Names)}." : " Declare one with a ModelStore item first.";
                Error(ErrorCodes.UnknownStore, $"ModelState '{spec}' has no Store metadata. Add Store=\"<name of a ModelStore item>\".{choice}");
                continue;
            }

            if (url is null && !stores.IsDeclared(store))
            {
                var declared = stores.Names.Any() ? $"Declared stores: {string.Join(", ", stores.Names)}." : "The project declares no ModelStore item.";
                Error(ErrorCodes.UnknownStore, $"ModelState '{spec}' uses the store '{store}', which no ModelStore item declares. {declared} Add <ModelStore Include=\"{store}\" Kind=\"...\" /> or fix the Store metadata.");
                continue;
            }

            if (url is null && !stores.IsValid(store))
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

            if (!StateDictPathMetadata.TryRead(item, out var stateDictPath, out var pathProblem))
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has StateDictPath=\"{stateDictPath}\", which {pathProblem}. Fix it or remove it.");
                continue;
            }

            if (!FilePathMetadata.TryRead(item, out var filePath, out var fileProblem))
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has Path=\"{filePath}\", which {fileProblem}. Write the file's path as in the store, for example onnx/model.onnx.");
                continue;
            }

            if (filePath is not null && url is not null)
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has both Url and Path. Path names a file of a Store; a Url already names the file: keep one.");
                continue;
            }

            if (seen.TryGetValue(key, out var first))
            {
                Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' is declared twice (also as '{first}'). Keep one item per state.");
                continue;
            }

            seen[key] = spec;
            var accessor = item.GetMetadata("AccessorName").Trim();
            requests.Add(new StateRequest(item, key, store, pin, accessor.Length == 0 ? null : accessor, IsCopied(item.GetMetadata("CopyToOutputDirectory"))) { FilePath = filePath, Url = url, StateDictPath = stateDictPath });
        }

        return requests;
    }

    /// <summary>Reads a <c>Url</c>: an absolute http(s) address without credentials in it (MST0011 otherwise).</summary>
    private bool TryReadUrl(string spec, string text, [NotNullWhen(true)] out Uri? url)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has Url=\"{UrlRedaction.RedactText(text)}\", which is not an absolute http:// or https:// address.");
            url = null;
            return false;
        }

        if (UrlRedaction.HasUserInfo(url))
        {
            Error(ErrorCodes.InvalidStateItem, $"ModelState '{spec}' has a Url with a user name or password in it ({UrlRedaction.Redact(url)}); credentials never go in a project file. Use a pre-signed address, or declare a ModelStore whose kind takes credentials from the environment.");
            url = null;
            return false;
        }

        return true;
    }

    // The store name a URL state is recorded under in the lock file and the descriptor: the address without secrets, so
    // a changed address is a changed store (fetched again, or MST0007 in locked mode).
    private static string UrlStoreName(Uri url, StateKey key) => new UrlStateStore(key, url).Id;

    private static bool IsCopied(string value) => value.Trim().ToUpperInvariant() switch
    {
        "" or "NEVER" or "FALSE" => false,
        _ => true, // Always, PreserveNewest, IfDifferent, true.
    };
}
