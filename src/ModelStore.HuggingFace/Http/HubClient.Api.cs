using System.Runtime.CompilerServices;
using System.Text.Json;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

// The Hub's JSON API (huggingface_hub's HfApi): the tree listing with its cursor pagination, a revision's commit, the
// branches and tags.
internal sealed partial class HubClient
{
    /// <summary>Every entry under <paramref name="folder"/> (the root when empty) at <paramref name="revision"/>, page after page (the <c>Link: rel="next"</c> cursor).</summary>
    /// <exception cref="StateStoreException">A <see cref="HubMissingException"/> when the revision or the folder is missing; another failure.</exception>
    public async IAsyncEnumerable<HubTreeEntry> ListTreeAsync(string revision, string folder, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var what = $"listing of {(folder.Length == 0 ? "the repository's root" : folder)} at revision {revision}";
        var encodedFolder = folder.Length == 0 ? "" : "/" + Uri.EscapeDataString(folder.TrimEnd('/'));
        Uri? page = new(Endpoint, $"{_apiPrefix}/tree/{Uri.EscapeDataString(revision)}{encodedFolder}?recursive={(recursive ? "true" : "false")}&expand=false");
        while (page is not null)
        {
            List<HubTreeEntry> entries;
            Uri? next;
            using (var response = await GetJsonAsync(page, what, cancellationToken).ConfigureAwait(false))
            {
                using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
                entries = ParseTree(document.RootElement, what);
                next = NextPage(response, page);
            }

            foreach (var entry in entries)
            {
                yield return entry;
            }

            page = next;
        }
    }

    /// <summary>The commit <paramref name="revision"/> points to now (<c>GET /api/{models|datasets}/{repo}/revision/{revision}?expand=sha</c>).</summary>
    public async Task<string> GetCommitAsync(string revision, CancellationToken cancellationToken)
    {
        var what = $"resolution of revision {revision}";
        using var response = await GetJsonAsync(new Uri(Endpoint, $"{_apiPrefix}/revision/{Uri.EscapeDataString(revision)}?expand=sha"), what, cancellationToken).ConfigureAwait(false);
        using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String && HubNames.IsCommit(sha.GetString()!)
            ? sha.GetString()!
            : throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer without a commit id (\"sha\").");
    }

    /// <summary>The repository's branch and tag names (<c>GET /api/{models|datasets}/{repo}/refs</c>).</summary>
    public async Task<IReadOnlyList<string>> ListRefNamesAsync(CancellationToken cancellationToken)
    {
        const string what = "listing of branches and tags";
        using var response = await GetJsonAsync(new Uri(Endpoint, $"{_apiPrefix}/refs"), what, cancellationToken).ConfigureAwait(false);
        using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var group in (string[])["branches", "tags"])
            {
                if (document.RootElement.TryGetProperty(group, out var refs) && refs.ValueKind == JsonValueKind.Array)
                {
                    names.AddRange(refs.EnumerateArray()
                        .Select(item => item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                        .OfType<string>());
                }
            }
        }

        return names;
    }

    private async Task<HttpResponseMessage> GetJsonAsync(Uri uri, string what, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, uri, null, what, null, retry: true, cancellationToken).ConfigureAwait(false);
            var location = RedirectTarget(response, uri);
            if (location is not null && IsHub(location) && hop < MaxRedirects)
            {
                response.Dispose();
                uri = location;
                continue;
            }

            if (!response.IsSuccessStatusCode || location is not null)
            {
                using (response)
                {
                    throw HubErrors.FromResponse(response, what, RepositoryLabel, RepositoryPage, _credentials, null);
                }
            }

            return response;
        }
    }

    private async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException e)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer that is not JSON ({e.Message}).", null, e);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"{what} in the {RepositoryLabel}");
        }
    }

    private List<HubTreeEntry> ParseTree(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer that is not a JSON array.");
        }

        var entries = new List<HubTreeEntry>();
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var isFile = item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "file";
            var size = item.TryGetProperty("size", out var sizeElement) && sizeElement.TryGetInt64(out var bytes) ? bytes : 0;
            string? sha256 = null;
            if (item.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                sha256 = lfs.TryGetProperty("oid", out var oid) && oid.ValueKind == JsonValueKind.String ? oid.GetString() : null;
                size = lfs.TryGetProperty("size", out var lfsSize) && lfsSize.TryGetInt64(out var real) ? real : size;
            }

            entries.Add(new HubTreeEntry(path.GetString()!, isFile, size, sha256));
        }

        return entries;
    }

    // Link: <https://huggingface.co/api/models/x/tree/main?cursor=...>; rel="next" (the GitHub form).
    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var link in values.SelectMany(value => value.Split(',')))
        {
            var parts = link.Split(';');
            var target = parts[0].Trim();
            if (target.StartsWith('<') && target.EndsWith('>') && parts.Skip(1).Any(part => part.Trim().Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
            {
                return new Uri(current, target[1..^1]);
            }
        }

        return null;
    }
}
