using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Octokit.Caching;
using Octokit.Internal;

namespace ModelStore.GitHub.Http;

/// <summary>
/// The API answers Octokit's <see cref="CachingHttpClient"/> revalidates with <c>If-None-Match</c>, keyed by URL and
/// media type: in memory, and in a folder when one is given so that ETags survive the process.
/// </summary>
/// <remarks>
/// Only JSON answers are kept. Request headers (and so credentials) are never stored; response headers of the
/// GitHub API carry none. A corrupt or unreadable file is a cache miss, never an error.
/// </remarks>
internal sealed partial class GitHubResponseCache(string? directory) : IResponseCache
{
    private readonly ConcurrentDictionary<string, CachedResponse.V1> _memory = new(StringComparer.Ordinal);

    public async Task<CachedResponse.V1> GetAsync(IRequest request)
    {
        var key = KeyOf(request);
        if (_memory.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (directory is null || !File.Exists(PathOf(key)))
        {
            return null!;
        }

        try
        {
            var stream = File.OpenRead(PathOf(key));
            await using (stream.ConfigureAwait(false))
            {
                var entry = await JsonSerializer.DeserializeAsync(stream, EntryJson.Default.Entry).ConfigureAwait(false);
                if (entry is null || entry.Key != key)
                {
                    return null!;
                }

                var response = new CachedResponse.V1(entry.Body, entry.Headers, StreamingHttpClient.ParseApiInfo(entry.Headers), (HttpStatusCode)entry.Status, entry.ContentType);
                _memory[key] = response;
                return response;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null!;
        }
    }

    // Octokit does not await this call (its CachingHttpClient fires and forgets it), so the entry is written before the
    // method returns: a store created next (a new build) then finds it on disk.
    public Task SetAsync(IRequest request, CachedResponse.V1 cachedResponse)
    {
        ArgumentNullException.ThrowIfNull(cachedResponse);
        if (cachedResponse.Body is not string body || string.IsNullOrEmpty(cachedResponse.ApiInfo?.Etag))
        {
            return Task.CompletedTask;
        }

        var key = KeyOf(request);
        _memory[key] = cachedResponse;
        if (directory is null)
        {
            return Task.CompletedTask;
        }

        var entry = new Entry(key, (int)cachedResponse.StatusCode, cachedResponse.ContentType, cachedResponse.Headers.ToDictionary(StringComparer.OrdinalIgnoreCase), body);
        var path = PathOf(key);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = File.Create(temporary))
            {
                JsonSerializer.Serialize(stream, entry, EntryJson.Default.Entry);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
        }

        return Task.CompletedTask;
    }

    private static string KeyOf(IRequest request)
    {
        request.Headers.TryGetValue("Accept", out var accept);
        return $"{new Uri(request.BaseAddress, request.Endpoint).AbsoluteUri} {accept}";
    }

    private string PathOf(string key) =>
        Path.Combine(directory!, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) + ".json");

    private sealed record Entry(string Key, int Status, string? ContentType, Dictionary<string, string> Headers, string Body);

    // Source-generated (no reflection): the modelstore tool on linux-x64 is compiled ahead of time. The names are the
    // properties' own, as the reflection-based serializer wrote them, so files written before still read.
    [JsonSerializable(typeof(Entry))]
    private sealed partial class EntryJson : JsonSerializerContext;
}
