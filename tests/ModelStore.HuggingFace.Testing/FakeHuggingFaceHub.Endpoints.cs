using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace ModelStore.HuggingFace.Testing;

// The routes huggingface_hub calls, answered with the Hub's headers, status codes and JSON shapes.
public sealed partial class FakeHuggingFaceHub
{
    private void MapEndpoints(IEndpointRouteBuilder app)
    {
        foreach (var (repoType, webPrefix, apiPrefix) in new[] { ("model", "", "/api/models"), ("dataset", "/datasets", "/api/datasets") })
        {
            app.MapMethods(webPrefix + "/{org}/{name}/resolve/{revision}/{**path}", [HttpMethods.Get, HttpMethods.Head], context => ResolveAsync(context, repoType, webPrefix));
            app.MapGet(apiPrefix + "/{org}/{name}/tree/{revision}", context => TreeAsync(context, repoType, apiPrefix));
            app.MapGet(apiPrefix + "/{org}/{name}/tree/{revision}/{**path}", context => TreeAsync(context, repoType, apiPrefix));
            app.MapGet(apiPrefix + "/{org}/{name}/revision/{revision}", context => RevisionAsync(context, repoType));
            app.MapGet(apiPrefix + "/{org}/{name}/refs", context => RefsAsync(context, repoType));
            app.MapPost(apiPrefix + "/{org}/{name}/paths-info/{revision}", context => PathsInfoAsync(context, repoType));
            app.MapMethods(webPrefix + "/{org}/{name}/raw/{revision}/{**path}", [HttpMethods.Get, HttpMethods.Head], context => RawAsync(context, repoType));
        }
    }

    /// <summary><c>HEAD</c>/<c>GET /{repo}/resolve/{revision}/{path}</c>.</summary>
    private async Task ResolveAsync(HttpContext context, string repoType, string webPrefix)
    {
        var id = RepositoryId(context);
        lock (_gate)
        {
            if (!_repositories.ContainsKey(Key(repoType, id)) && _renamed.TryGetValue(Key(repoType, id), out var renamed))
            {
                // A renamed repository: a relative redirect to the same file under the new name.
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = $"{webPrefix}/{renamed}/resolve/{context.Request.RouteValues["revision"]}/{context.Request.RouteValues["path"]}";
                return;
            }
        }

        var (repository, commit) = await AuthorizeAsync(context, repoType, id, files: true);
        if (repository is null || commit is null)
        {
            return;
        }

        var path = Unescape(context.Request.RouteValues["path"]);
        var response = context.Response;
        response.Headers["X-Repo-Commit"] = commit.Sha;
        if (!commit.Files.TryGetValue(path, out var file))
        {
            await WriteErrorAsync(context, 404, "EntryNotFound", "Entry not found");
            return;
        }

        if (file.IsLfs)
        {
            // huggingface_hub reads the large file's identity from this redirect (it does not follow it for HEAD).
            response.StatusCode = StatusCodes.Status302Found;
            response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            response.Headers["X-Linked-Size"] = file.Size.ToString(CultureInfo.InvariantCulture);
            response.Headers.ETag = $"\"{file.Sha256}\"";
            response.Headers.Location = new Uri(Storage.BaseAddress, $"{RedirectPath(file)}?X-Amz-Expires=3600&X-Amz-Signature=fake{file.Sha256[..16]}").AbsoluteUri;
            return;
        }

        await ServeGitFileAsync(context, file);
    }

    /// <summary>A file stored in Git, served by the Hub itself: <c>ETag</c> is its Git blob id; one byte range at most.</summary>
    private static async Task ServeGitFileAsync(HttpContext context, FakeHubFile file)
    {
        var response = context.Response;
        response.Headers.ETag = $"\"{file.GitOid}\"";
        response.Headers.AcceptRanges = "bytes";
        var (start, end) = (0L, file.Size - 1);
        if (RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range) && range.Ranges.Count == 1 && file.Size > 0)
        {
            var item = range.Ranges.Single();
            (start, end) = item.From is { } from ? (from, Math.Min(item.To ?? file.Size - 1, file.Size - 1)) : (file.Size - item.To!.Value, file.Size - 1);
            if (start >= file.Size || start > end)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{file.Size}";
                return;
            }

            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{end}/{file.Size}";
        }

        response.ContentLength = end - start + 1;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var stream = new FileStream(file.BlobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        stream.Position = start;
        var buffer = new byte[1 << 16];
        var remaining = end - start + 1;
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted);
            if (read == 0)
            {
                break;
            }

            await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            remaining -= read;
        }
    }

    /// <summary><c>GET /api/{models|datasets}/{repo}/tree/{revision}[/{path}]?recursive=&amp;cursor=</c>, paginated with <c>Link: rel="next"</c>.</summary>
    private async Task TreeAsync(HttpContext context, string repoType, string apiPrefix)
    {
        var (repository, commit) = await AuthorizeAsync(context, repoType, RepositoryId(context), files: false);
        if (repository is null || commit is null)
        {
            return;
        }

        var folder = Unescape(context.Request.RouteValues["path"]).Trim('/');
        var prefix = folder.Length == 0 ? "" : folder + "/";
        var recursive = string.Equals(context.Request.Query["recursive"], "true", StringComparison.OrdinalIgnoreCase) || context.Request.Query["recursive"] == "1";
        var below = commit.Files.Values.Where(file => file.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (folder.Length > 0 && below.Count == 0)
        {
            await WriteErrorAsync(context, 404, "EntryNotFound", $"{folder} does not exist on \"{context.Request.RouteValues["revision"]}\"");
            return;
        }

        var entries = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var file in below)
        {
            var relative = file.Path[prefix.Length..];
            var segments = relative.Split('/');
            for (var depth = 1; depth < segments.Length && (recursive || depth == 1); depth++)
            {
                var directory = prefix + string.Join('/', segments[..depth]);
                entries.TryAdd(directory, new { type = "directory", oid = GitBlobId(Encoding.UTF8.GetBytes(directory + commit.Sha)), size = 0, path = directory });
            }

            if (recursive || segments.Length == 1)
            {
                entries[file.Path] = file.IsLfs
                    ? new { type = "file", oid = file.GitOid, size = file.Size, path = file.Path, lfs = (object?)new { oid = file.Sha256, size = file.Size, pointerSize = 134 } }
                    : new { type = "file", oid = file.GitOid, size = file.Size, path = file.Path, lfs = (object?)null };
            }
        }

        var offset = DecodeCursor(context.Request.Query["cursor"]);
        var page = entries.Values.Skip(offset).Take(TreePageSize).ToList();
        if (offset + page.Count < entries.Count)
        {
            var query = QueryString.Create(context.Request.Query.Where(pair => pair.Key != "cursor").Append(new("cursor", EncodeCursor(offset + page.Count))));
            var next = new Uri(Endpoint, context.Request.Path.Value!.TrimStart('/') + query.ToUriComponent());
            context.Response.Headers.Link = $"<{next.AbsoluteUri}>; rel=\"next\"";
        }

        await WriteJsonAsync(context, page);
    }

    /// <summary><c>GET /api/{models|datasets}/{repo}/revision/{revision}[?expand=sha]</c>: the repository's info at that revision.</summary>
    private async Task RevisionAsync(HttpContext context, string repoType)
    {
        var id = RepositoryId(context);
        var (repository, commit) = await AuthorizeAsync(context, repoType, id, files: false);
        if (repository is null || commit is null)
        {
            return;
        }

        var expand = context.Request.Query["expand"];
        object info = expand.Count > 0
            ? Expanded(new Dictionary<string, object?>
            {
                ["sha"] = commit.Sha,
                ["private"] = repository.IsPrivate,
                ["gated"] = repository.IsGated ? "manual" : false,
                ["downloads"] = 0,
                ["likes"] = 0,
                ["lastModified"] = "2026-01-01T00:00:00.000Z",
                ["pipeline_tag"] = null,
            }.Where(field => expand.Contains(field.Key)), id, commit.Sha)
            : new Dictionary<string, object?>
            {
                ["_id"] = "fake" + commit.Sha[..20],
                ["id"] = id,
                ["sha"] = commit.Sha,
                ["private"] = repository.IsPrivate,
                ["gated"] = repository.IsGated ? "manual" : false,
                ["siblings"] = commit.Files.Keys.Select(path => new { rfilename = path }).ToList(),
            };
        await WriteJsonAsync(context, info);
    }

    // The Hub answers ?expand=a&expand=b with _id, id and exactly the fields asked for.
    private static Dictionary<string, object?> Expanded(IEnumerable<KeyValuePair<string, object?>> fields, string id, string sha) =>
        new(fields.Prepend(new("id", id)).Prepend(new("_id", "fake" + sha[..20])));

    /// <summary><c>GET /api/{models|datasets}/{repo}/refs</c>: branches and tags with their commits.</summary>
    private async Task RefsAsync(HttpContext context, string repoType)
    {
        var (repository, _) = await AuthorizeAsync(context, repoType, RepositoryId(context), files: false, revision: null);
        if (repository is null)
        {
            return;
        }

        object refs;
        lock (_gate)
        {
            refs = new
            {
                branches = repository.Branches.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new { name = pair.Key, @ref = $"refs/heads/{pair.Key}", targetCommit = pair.Value }).ToList(),
                converts = Array.Empty<object>(),
                tags = repository.Tags.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new { name = pair.Key, @ref = $"refs/tags/{pair.Key}", targetCommit = pair.Value }).ToList(),
            };
        }

        await WriteJsonAsync(context, refs);
    }

    /// <summary>
    /// The Hub's access rules, answered with its codes: an unknown token 401; a missing or private repository 401
    /// <c>RepoNotFound</c> to an anonymous caller and 404 to an authenticated one; the files of a gated repository 401
    /// (anonymous) or 403 (not granted) <c>GatedRepo</c>; a missing revision 404 <c>RevisionNotFound</c>.
    /// </summary>
    private async Task<(FakeHubRepository? Repository, FakeHubCommit? Commit)> AuthorizeAsync(HttpContext context, string repoType, string id, bool files, string? revision = "")
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        string? token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
        FakeHubRepository? repository;
        bool knownToken, granted;
        lock (_gate)
        {
            knownToken = token is not null && _tokens.Contains(token);
            repository = _repositories.GetValueOrDefault(Key(repoType, id));
            granted = token is not null && repository is not null && repository.GrantedTokens.Contains(token);
        }

        if (token is not null && !knownToken)
        {
            await WriteErrorAsync(context, 401, null, "Invalid credentials in Authorization header");
            return default;
        }

        if (repository is null || (repository.IsPrivate && !granted))
        {
            await WriteErrorAsync(context, token is null ? 401 : 404, "RepoNotFound", "Repository not found");
            return default;
        }

        if (files && repository.IsGated && !granted)
        {
            var kind = repoType == "dataset" ? "dataset" : "model";
            if (token is null)
            {
                await WriteErrorAsync(context, 401, "GatedRepo", $"Access to {kind} {id} is restricted. You must have access to it and be authenticated to access it. Please log in.");
            }
            else
            {
                await WriteErrorAsync(context, 403, "GatedRepo", $"Access to {kind} {id} is restricted and you are not in the authorized list. Visit {Endpoint}{id} to ask for access.");
            }

            return default;
        }

        if (revision is null)
        {
            return (repository, null);
        }

        var name = Unescape(context.Request.RouteValues["revision"]);
        FakeHubCommit? commit;
        lock (_gate)
        {
            commit = repository.Resolve(name);
        }

        if (commit is null)
        {
            await WriteErrorAsync(context, 404, "RevisionNotFound", $"Invalid rev id: {name}");
            return default;
        }

        return (repository, commit);
    }

    private static string RepositoryId(HttpContext context) => $"{context.Request.RouteValues["org"]}/{context.Request.RouteValues["name"]}";

    // Route values keep %2F (a revision like refs%2Fpr%2F1, a folder like states%2Fpytorch): the Hub accepts both forms.
    private static string Unescape(object? value) => value is string text ? Uri.UnescapeDataString(text) : "";

    private static int DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        return int.Parse(text.Split(':')[1], CultureInfo.InvariantCulture);
    }

    private static string EncodeCursor(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"offset:{offset.ToString(CultureInfo.InvariantCulture)}"));

    private static async Task WriteErrorAsync(HttpContext context, int status, string? code, string message)
    {
        context.Response.StatusCode = status;
        if (code is not null)
        {
            context.Response.Headers["X-Error-Code"] = code;
        }

        context.Response.Headers["X-Error-Message"] = message;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await WriteJsonAsync(context, new { error = message }, status);
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, object value, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, value.GetType(), cancellationToken: context.RequestAborted);
    }
}
