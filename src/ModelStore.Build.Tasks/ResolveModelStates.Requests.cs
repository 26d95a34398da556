using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.Build.Tasks;

public sealed partial class ResolveModelStates
{
    /// <summary>Validates the <c>ModelState</c> items; each bad one is logged (MST0001, MST0002, MST0011) and skipped.</summary>
    private List<ItemRequest> ReadRequests(DeclaredStores stores)
    {
        var requests = new List<ItemRequest>();
        var seen = new Dictionary<StateKey, string>();
        foreach (var item in States)
        {
            var spec = item.ItemSpec.Trim();
            if (!StateKey.TryParse(spec, out var key, out var why))
            {
                Error(ResolutionFailureKind.InvalidKey, $"ModelState '{StateStoreSettingsText(spec)}' is not a valid state key: {why.TrimEnd('.')}. Write it as backend/architecture[.extra...].trainingId, for example pytorch/resnet18.cls1000.imagenet.");
                continue;
            }

            if (ReadRequest(item, spec, key, stores) is not { } request)
            {
                continue;
            }

            if (seen.TryGetValue(key, out var first))
            {
                Error(ResolutionFailureKind.InvalidRequest, $"ModelState '{spec}' is declared twice (also as '{first}'). Keep one item per state.");
                continue;
            }

            seen[key] = spec;
            var accessor = item.GetMetadata("AccessorName").Trim();
            requests.Add(new ItemRequest(item, request, accessor.Length == 0 ? null : accessor, IsCopied(item.GetMetadata("CopyToOutputDirectory"))));
        }

        return requests;
    }

    // The item's request: from its Url or its Store, with its pin, Path and StateDictPath; null (logged) when one is bad.
    private StateRequest? ReadRequest(Microsoft.Build.Framework.ITaskItem item, string spec, StateKey key, DeclaredStores stores)
    {
        var store = item.GetMetadata("Store").Trim();
        var urlText = item.GetMetadata("Url").Trim();
        var pinText = item.GetMetadata("Sha256").Trim();
        var pathText = item.GetMetadata("Path").Trim();
        var stateDictPath = item.GetMetadata("StateDictPath").Trim();
        var filesText = item.GetMetadata("Files").Trim();
        if (filesText.Length > 0 && (urlText.Length > 0 || pathText.Length > 0))
        {
            return Invalid($"has both Files and {(urlText.Length > 0 ? "Url" : "Path")}. Files makes a bundle of several files of a Store; name each file among its Files.");
        }

        if (urlText.Length > 0 && store.Length > 0)
        {
            return Invalid("has both Url and Store. A state comes from one place: keep Url for a file on the web, or Store for a declared store.");
        }

        if (urlText.Length > 0 && pathText.Length > 0)
        {
            return Invalid("has both Url and Path. Path names a file of a Store; a Url already names the file: keep one.");
        }

        if (urlText.Length == 0 && store.Length == 0)
        {
            var choice = stores.Names.Any() ? $" One of: {string.Join(", ", stores.Names)}." : " Declare one with a ModelStore item first.";
            Error(ResolutionFailureKind.UnknownStore, $"ModelState '{spec}' has no Store metadata. Add Store=\"<name of a ModelStore item>\".{choice}");
            return null;
        }

        if (urlText.Length == 0 && !stores.IsDeclared(store))
        {
            var declared = stores.Names.Any() ? $"Declared stores: {string.Join(", ", stores.Names)}." : "The project declares no ModelStore item.";
            Error(ResolutionFailureKind.UnknownStore, $"ModelState '{spec}' uses the store '{StateStoreSettingsText(store)}', which no ModelStore item declares. {declared} Add <ModelStore Include=\"{StateStoreSettingsText(store)}\" Kind=\"...\" /> or fix the Store metadata.");
            return null;
        }

        if (urlText.Length == 0 && !stores.IsValid(store))
        {
            return null; // MST0008 already logged on the store.
        }

        if (stateDictPath.Length > 0 && (stateDictPath.Any(char.IsControl) || stateDictPath.Split('.').Any(part => part.Length == 0)))
        {
            return Invalid($"has StateDictPath=\"{StateStoreSettingsText(stateDictPath)}\", which {(stateDictPath.Any(char.IsControl) ? "contains a control character" : "has an empty part (names are separated by single dots, for example model.encoder)")}. Fix it or remove it.");
        }

        if (pathText.Length > 0 && StateRequest.PathProblem(pathText) is { } pathProblem)
        {
            return Invalid($"has Path=\"{StateStoreSettingsText(pathText)}\", which {pathProblem}. Write the file's path as in the store, for example onnx/model.onnx.");
        }

        StateRequest request;
        if (urlText.Length > 0)
        {
            try
            {
                request = StateRequest.FromUrl(key, StateRequest.ParseUrl(urlText));
            }
            catch (ArgumentException e)
            {
                return Invalid($"has a Url that {ResolutionFailure.WithoutParameterName(e)}");
            }
        }
        else
        {
            request = new StateRequest(key, store) { Path = pathText.Length == 0 ? null : pathText };
            if (filesText.Length > 0)
            {
                try
                {
                    request = request with { Files = FilePatterns.Parse(filesText) };
                }
                catch (ArgumentException e)
                {
                    return Invalid($"has Files=\"{StateStoreSettingsText(filesText)}\", which is not a list of files: {ResolutionFailure.WithoutParameterName(e)} Write paths or globs relative to the store's root, separated by ';', for example onnx/model.onnx;*.json.");
                }
            }
        }

        try
        {
            return request with { Sha256 = pinText.Length == 0 ? null : pinText, StateDictPath = stateDictPath.Length == 0 ? null : stateDictPath };
        }
        catch (ArgumentException)
        {
            return Invalid($"has Sha256=\"{StateStoreSettingsText(pinText)}\", which is not a SHA-256 (64 hexadecimal digits). Fix it or remove the pin.");
        }

        StateRequest? Invalid(string problem)
        {
            Error(ResolutionFailureKind.InvalidRequest, $"ModelState '{spec}' {problem}");
            return null;
        }
    }

    private static string StateStoreSettingsText(string text) => ModelStore.Stores.StateStoreSettings.Printable(text);

    private static bool IsCopied(string value) => value.Trim().ToUpperInvariant() switch
    {
        "" or "NEVER" or "FALSE" => false,
        _ => true, // Always, PreserveNewest, IfDifferent, true.
    };
}
