using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ModelStore.HuggingFace.Testing;

// What the JavaScript client @huggingface/hub needs beyond huggingface_hub's download path: paths-info (its cache writer
// names blobs and snapshots from it) and raw (a file as stored in Git: an LFS file's pointer).
public sealed partial class FakeHuggingFaceHub
{
    /// <summary>
    /// <c>POST /api/{models|datasets}/{repo}/paths-info/{revision}</c> with <c>{"paths": [...], "expand": bool}</c>: one
    /// entry per existing path (files, and folders that hold files), with <c>lastCommit</c> (the last commit that changed
    /// the entry) when <c>expand</c> is true, as the Hub answers it.
    /// </summary>
    private async Task PathsInfoAsync(HttpContext context, string repoType)
    {
        var (repository, commit) = await AuthorizeAsync(context, repoType, RepositoryId(context), files: false);
        if (repository is null || commit is null)
        {
            return;
        }

        string[] paths;
        bool expand;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            paths = [.. body.RootElement.GetProperty("paths").EnumerateArray().Select(path => path.GetString()!.Trim('/'))];
            expand = body.RootElement.TryGetProperty("expand", out var flag) && flag.ValueKind == JsonValueKind.True;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await WriteErrorAsync(context, 400, null, "Invalid body: expected {\"paths\": [...]}");
            return;
        }

        var entries = new List<Dictionary<string, object?>>();
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            Dictionary<string, object?> entry;
            if (commit.Files.TryGetValue(path, out var file))
            {
                entry = new() { ["type"] = "file", ["oid"] = file.GitOid, ["size"] = file.Size, ["path"] = file.Path };
                if (file.IsLfs)
                {
                    entry["lfs"] = new { oid = file.Sha256, size = file.Size, pointerSize = LfsPointer(file).Length };
                }
            }
            else if (commit.Files.Keys.Any(other => other.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                entry = new() { ["type"] = "directory", ["oid"] = GitBlobId(Encoding.UTF8.GetBytes(path + commit.Sha)), ["size"] = 0, ["path"] = path };
            }
            else
            {
                continue; // The Hub leaves out paths that do not exist.
            }

            if (expand)
            {
                entry["lastCommit"] = new { id = LastChange(repository, commit, path), title = "Upload", date = "2026-01-01T00:00:00.000Z" };
                entry["securityFileStatus"] = new { status = "safe" };
            }

            entries.Add(entry);
        }

        await WriteJsonAsync(context, entries);
    }

    /// <summary><c>GET /{repo}/raw/{revision}/{path}</c>: the file as Git stores it (a large file's LFS pointer, not its bytes).</summary>
    private async Task RawAsync(HttpContext context, string repoType)
    {
        var (repository, commit) = await AuthorizeAsync(context, repoType, RepositoryId(context), files: true);
        if (repository is null || commit is null)
        {
            return;
        }

        context.Response.Headers["X-Repo-Commit"] = commit.Sha;
        if (!commit.Files.TryGetValue(Unescape(context.Request.RouteValues["path"]), out var file))
        {
            await WriteErrorAsync(context, 404, "EntryNotFound", "Entry not found");
            return;
        }

        if (!file.IsLfs)
        {
            await ServeGitFileAsync(context, file);
            return;
        }

        var pointer = LfsPointer(file);
        context.Response.Headers.ETag = $"\"{file.GitOid}\"";
        context.Response.ContentLength = pointer.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(pointer, context.RequestAborted);
        }
    }

    /// <summary>The Git LFS pointer a large file is stored as (its Git blob id is <see cref="FakeHubFile.GitOid"/>).</summary>
    private static byte[] LfsPointer(FakeHubFile file) => LfsPointer(file.Sha256, file.Size);

    private static byte[] LfsPointer(string sha256, long size) =>
        Encoding.UTF8.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size.ToString(CultureInfo.InvariantCulture)}\n");

    /// <summary>The last commit, from <paramref name="head"/> back, that changed <paramref name="path"/> (a file, or anything under a folder).</summary>
    private string LastChange(FakeHubRepository repository, FakeHubCommit head, string path)
    {
        lock (_gate)
        {
            IEnumerable<FakeHubFile> Under(FakeHubCommit commit) =>
                commit.Files.Values.Where(file => file.Path == path || file.Path.StartsWith(path + "/", StringComparison.Ordinal));
            var current = head;
            while (current.Parent is { } parent && Under(repository.Commits[parent]).SequenceEqual(Under(current)))
            {
                current = repository.Commits[parent];
            }

            return current.Sha;
        }
    }
}
