using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ModelStore.GitHub.Testing;

// The REST endpoints (docs.github.com/rest/releases/releases and /rest/releases/assets), answered as GitHub does.
public sealed partial class FakeGitHubServer
{
    private const string Repo = "/api/v3/repos/{owner}/{repo}";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapGet(Repo, context => WithRepository(context, repo => WriteJsonAsync(context, RepositoryJson(repo))));
        app.MapGet($"{Repo}/releases", context => WithRepository(context, repo =>
        {
            List<object> releases;
            lock (_gate)
            {
                releases = repo.Releases.OrderByDescending(r => r.Id).Select(r => ReleaseJson(repo, r)).ToList();
            }

            return WritePageAsync(context, releases);
        }));
        app.MapGet($"{Repo}/releases/tags/{{tag}}", context => WithRelease(context, (repo, release) => WriteJsonAsync(context, ReleaseJson(repo, release))));
        app.MapGet($"{Repo}/releases/{{id:long}}", context => WithRelease(context, (repo, release) => WriteJsonAsync(context, ReleaseJson(repo, release))));
        app.MapPost($"{Repo}/releases", context => WithRepository(context, repo => CreateReleaseAsync(context, repo), write: true));
        app.MapGet($"{Repo}/releases/{{id:long}}/assets", context => WithRelease(context, (repo, release) =>
        {
            List<object> assets;
            lock (_gate)
            {
                assets = release.Assets.Select(a => AssetJson(repo, release, a)).ToList();
            }

            return WritePageAsync(context, assets);
        }));
        app.MapGet($"{Repo}/releases/assets/{{assetId:long}}", context => WithAsset(context, (repo, release, asset) =>
        {
            if (context.Request.Headers.Accept.ToString().Contains("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Redirect(StorageAddress(asset));
                return Task.CompletedTask;
            }

            return WriteJsonAsync(context, AssetJson(repo, release, asset));
        }));
        app.MapMethods($"{Repo}/releases/assets/{{assetId:long}}", ["PATCH"], context => WithAsset(context, (repo, release, asset) => RenameAssetAsync(context, repo, release, asset), write: true));
        app.MapDelete($"{Repo}/releases/assets/{{assetId:long}}", context => WithAsset(context, (repo, release, asset) =>
        {
            lock (_gate)
            {
                release.Assets.Remove(asset);
            }

            File.Delete(asset.Path);
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        }, write: true));
        app.MapPost("/api/uploads/repos/{owner}/{repo}/releases/{id:long}/assets", context => WithRelease(context, (repo, release) => UploadAsync(context, repo, release), write: true));
        app.MapMethods("/{owner}/{repo}/releases/download/{tag}/{name}", ["GET", "HEAD"], DownloadAsync);
        app.MapMethods("/_storage/{assetId:long}/{name}", ["GET", "HEAD"], ServeStorageAsync);
    }

    private async Task CreateReleaseAsync(HttpContext context, FakeRepository repo)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var tag = root.TryGetProperty("tag_name", out var t) ? t.GetString() : null;
        var target = root.TryGetProperty("target_commitish", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : repo.Branches[0];
        if (string.IsNullOrEmpty(tag))
        {
            await WriteValidationErrorAsync(context, "Release", "missing_field", "tag_name");
            return;
        }

        if (!repo.Branches.Contains(target))
        {
            await WriteValidationErrorAsync(context, "Release", "invalid", "target_commitish");
            return;
        }

        FakeRelease release;
        lock (_gate)
        {
            if (repo.Releases.Any(r => r.Tag == tag))
            {
                release = null!;
            }
            else
            {
                release = new FakeRelease(NextId(), tag, root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : tag, target, DateTimeOffset.UtcNow)
                {
                    Body = root.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null,
                    MakeLatest = root.TryGetProperty("make_latest", out var l) ? l.ToString() : null,
                };
                repo.Releases.Add(release);
            }
        }

        if (release is null)
        {
            await WriteValidationErrorAsync(context, "Release", "already_exists", "tag_name");
            return;
        }

        context.Response.Headers.Location = Api($"repos/{repo.Owner}/{repo.Name}/releases/{release.Id}");
        await WriteJsonAsync(context, ReleaseJson(repo, release), 201);
    }

    private async Task UploadAsync(HttpContext context, FakeRepository repo, FakeRelease release)
    {
        var name = context.Request.Query["name"].ToString();
        if (string.IsNullOrEmpty(name))
        {
            await WriteValidationErrorAsync(context, "ReleaseAsset", "missing_field", "name");
            return;
        }

        var path = Path.Combine(Storage, $"upload-{Guid.NewGuid():N}");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await context.Request.Body.CopyToAsync(file, 1 << 16, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // An interrupted upload leaves nothing behind.
            File.Delete(path);
            return;
        }

        FakeAsset? asset = null;
        lock (_gate)
        {
            if (!release.Assets.Any(a => a.Name == name))
            {
                asset = new FakeAsset(NextId(), name, path, new FileInfo(path).Length, context.Request.ContentType ?? "application/octet-stream", DateTimeOffset.UtcNow);
                release.Assets.Add(asset);
            }
        }

        if (asset is null)
        {
            File.Delete(path);
            await WriteValidationErrorAsync(context, "ReleaseAsset", "already_exists", "name");
            return;
        }

        await WriteJsonAsync(context, AssetJson(repo, release, asset), 201);
    }

    private async Task RenameAssetAsync(HttpContext context, FakeRepository repo, FakeRelease release, FakeAsset asset)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var name = body.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var conflict = false;
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(name))
            {
                conflict = release.Assets.Any(a => a != asset && a.Name == name);
                if (!conflict)
                {
                    asset.Name = name;
                    asset.UpdatedAt = DateTimeOffset.UtcNow;
                }
            }
        }

        if (conflict)
        {
            await WriteValidationErrorAsync(context, "ReleaseAsset", "already_exists", "name");
            return;
        }

        await WriteJsonAsync(context, AssetJson(repo, release, asset));
    }

    private async Task DownloadAsync(HttpContext context)
    {
        FakeAsset? asset;
        lock (_gate)
        {
            var repo = _repositories.GetValueOrDefault($"{context.Request.RouteValues["owner"]}/{context.Request.RouteValues["repo"]}");
            // A private repository's download page needs a browser session, never an API credential.
            asset = repo is null || repo.IsPrivate
                ? null
                : repo.Releases.FirstOrDefault(r => r.Tag == (string?)context.Request.RouteValues["tag"])?.Assets.FirstOrDefault(a => a.Name == (string?)context.Request.RouteValues["name"]);
        }

        if (asset is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("Not Found");
            return;
        }

        context.Response.Redirect(StorageAddress(asset));
    }

    private async Task ServeStorageAsync(HttpContext context)
    {
        var id = long.Parse((string)context.Request.RouteValues["assetId"]!, CultureInfo.InvariantCulture);
        FakeAsset? asset;
        lock (_gate)
        {
            asset = _repositories.Values.SelectMany(r => r.Releases).SelectMany(r => r.Assets).FirstOrDefault(a => a.Id == id);
        }

        FileStream file;
        try
        {
            file = asset is null ? throw new FileNotFoundException() : new FileStream(asset.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            context.Response.StatusCode = 404;
            return;
        }

        // Like GitHub's storage (an object store): a strong ETag, Accept-Ranges, 206 answers to ranges, If-Range, HEAD.
        await using (file)
        {
            var response = context.Response;
            var length = file.Length;
            var etag = $"\"{asset!.Id:x}-{length:x}\"";
            response.ContentType = "application/octet-stream";
            response.Headers.ETag = etag;
            response.Headers.AcceptRanges = "bytes";
            var (start, end) = (0L, length - 1);
            var range = context.Request.Headers.Range.ToString();
            var ifRange = context.Request.Headers.IfRange.ToString();
            if (range.StartsWith("bytes=", StringComparison.Ordinal) && (ifRange.Length == 0 || ifRange == etag) && range[6..].Split('-') is [var from, var to] && long.TryParse(from, CultureInfo.InvariantCulture, out start))
            {
                end = to.Length == 0 ? length - 1 : Math.Min(long.Parse(to, CultureInfo.InvariantCulture), length - 1);
                if (start >= length || start > end)
                {
                    response.StatusCode = 416;
                    response.Headers.ContentRange = $"bytes */{length}";
                    return;
                }

                response.StatusCode = 206;
                response.Headers.ContentRange = $"bytes {start}-{end}/{length}";
            }
            else
            {
                (start, end) = (0L, length - 1);
            }

            response.ContentLength = end - start + 1;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            var cutAt = Interlocked.Decrement(ref _storageCuts) >= 0 ? StorageCutAfterBytes : long.MaxValue;
            file.Position = start;
            var buffer = new byte[64 * 1024];
            long sent = 0, remaining = end - start + 1;
            while (remaining > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, Math.Min(remaining, cutAt - sent))), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                Interlocked.Add(ref _storageBytes, read);
                sent += read;
                remaining -= read;
                if (sent >= cutAt && remaining > 0)
                {
                    await response.Body.FlushAsync(context.RequestAborted);
                    context.Abort();
                    return;
                }
            }
        }
    }

    private Task WithRepository(HttpContext context, Func<FakeRepository, Task> handle, bool write = false)
    {
        var identity = context.Items[nameof(FakeIdentity)] as FakeIdentity;
        FakeRepository? repo;
        lock (_gate)
        {
            repo = _repositories.GetValueOrDefault($"{context.Request.RouteValues["owner"]}/{context.Request.RouteValues["repo"]}");
        }

        if (repo is null || (repo.IsPrivate && identity is null))
        {
            return WriteErrorAsync(context, 404, "Not Found", "https://docs.github.com/rest");
        }

        if (write && identity is null)
        {
            return WriteErrorAsync(context, 401, "Requires authentication", "https://docs.github.com/rest");
        }

        if (write && !identity!.CanWrite)
        {
            return WriteErrorAsync(context, 403, "Resource not accessible by personal access token", "https://docs.github.com/rest/releases/releases");
        }

        return handle(repo);
    }

    private Task WithRelease(HttpContext context, Func<FakeRepository, FakeRelease, Task> handle, bool write = false) => WithRepository(context, repo =>
    {
        FakeRelease? release;
        lock (_gate)
        {
            release = context.Request.RouteValues.TryGetValue("tag", out var tag)
                ? repo.Releases.FirstOrDefault(r => r.Tag == (string?)tag)
                : repo.Releases.FirstOrDefault(r => r.Id.ToString(CultureInfo.InvariantCulture) == (string?)context.Request.RouteValues["id"]);
        }

        return release is null ? WriteErrorAsync(context, 404, "Not Found", "https://docs.github.com/rest/releases/releases") : handle(repo, release);
    }, write);

    private Task WithAsset(HttpContext context, Func<FakeRepository, FakeRelease, FakeAsset, Task> handle, bool write = false) => WithRepository(context, repo =>
    {
        FakeRelease? release = null;
        FakeAsset? asset = null;
        lock (_gate)
        {
            foreach (var candidate in repo.Releases)
            {
                asset = candidate.Assets.FirstOrDefault(a => a.Id.ToString(CultureInfo.InvariantCulture) == (string?)context.Request.RouteValues["assetId"]);
                if (asset is not null)
                {
                    release = candidate;
                    break;
                }
            }
        }

        return asset is null ? WriteErrorAsync(context, 404, "Not Found", "https://docs.github.com/rest/releases/assets") : handle(repo, release!, asset);
    }, write);

    /// <summary>A JSON answer with an ETag; a GET whose If-None-Match matches gets 304 and no body.</summary>
    private static async Task WriteJsonAsync(HttpContext context, object payload, int status = 200)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(payload, Json);
        if (status == 200 && HttpMethods.IsGet(context.Request.Method))
        {
            var etag = $"W/\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..40]}\"";
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = "private, max-age=60, s-maxage=60";
            if (context.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                context.Response.StatusCode = 304;
                return;
            }
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(bytes);
    }

    private Task WritePageAsync(HttpContext context, IReadOnlyList<object> items)
    {
        var perPage = int.TryParse(context.Request.Query["per_page"], CultureInfo.InvariantCulture, out var size) ? Math.Clamp(size, 1, 100) : 30;
        var page = int.TryParse(context.Request.Query["page"], CultureInfo.InvariantCulture, out var number) ? Math.Max(number, 1) : 1;
        var last = Math.Max(1, (items.Count + perPage - 1) / perPage);
        string Link(int n, string rel) => $"<{BaseAddress}{context.Request.Path.Value!.TrimStart('/')}?per_page={perPage}&page={n}>; rel=\"{rel}\"";
        var links = new List<string>();
        if (page > 1)
        {
            links.Add(Link(page - 1, "prev"));
            links.Add(Link(1, "first"));
        }

        if (page < last)
        {
            links.Add(Link(page + 1, "next"));
            links.Add(Link(last, "last"));
        }

        if (links.Count > 0)
        {
            context.Response.Headers["Link"] = string.Join(", ", links);
        }

        return WriteJsonAsync(context, items.Skip((page - 1) * perPage).Take(perPage).ToList());
    }

    private static Task WriteValidationErrorAsync(HttpContext context, string resource, string code, string field) =>
        WriteJsonAsync(context, new { Message = "Validation Failed", Errors = new[] { new { Resource = resource, Code = code, Field = field } }, DocumentationUrl = "https://docs.github.com/rest/releases", Status = "422" }, 422);

    private static Task WriteErrorAsync(HttpContext context, int status, string message, string documentation) =>
        WriteJsonAsync(context, new { Message = message, DocumentationUrl = documentation, Status = status.ToString(CultureInfo.InvariantCulture) }, status);
}
