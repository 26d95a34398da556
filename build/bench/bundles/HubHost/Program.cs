// The bundles benchmark's Hub (build/bench/bundles/run.sh):
//   HubHost WORK REPOSITORY COUNT BYTES [--no-locks]
// commits COUNT random files of BYTES each (part-NN-of-COUNT.safetensors, LFS: the Hub redirects their bytes to its
// storage host) to REPOSITORY on a fresh local Hub, then writes into WORK:
//   endpoint           the Hub's address
//   urls.txt           aria2c's input: each file's resolve address at the commit, with out=PATH
//   sha256.txt         sha256sum's format: each file's SHA-256 and path
//   single.lock.json   COUNT single-file states (Path=...), resolved once, as `dotnet build` writes them
//   bundle.lock.json   one bundle state (Files="*.safetensors") of the same files
// (the lock files are left out with --no-locks), and answers on stdin: "count" prints "hub=N storage=M" (requests received so far); end of input stops it.
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.HuggingFace;
using ModelStore.HuggingFace.Testing;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

var (work, repository, count, bytes) = (Path.GetFullPath(args[0]), args[1], int.Parse(args[2]), long.Parse(args[3]));
await using var hub = await FakeHuggingFaceHub.StartAsync();
hub.AddRepository(repository);
var files = Enumerable.Range(1, count).ToDictionary(i => $"part-{i:D2}-of-{count:D2}.safetensors", _ => (byte[]?)RandomNumberGenerator.GetBytes(checked((int)bytes)));
var commit = hub.Commit(repository, files);
Directory.CreateDirectory(work);
await File.WriteAllTextAsync(Path.Combine(work, "endpoint"), hub.Endpoint.AbsoluteUri);
await File.WriteAllLinesAsync(Path.Combine(work, "urls.txt"), files.Keys.SelectMany(path => new[] { $"{hub.Endpoint}{repository}/resolve/{commit}/{path}", $"  out={path}" }));
await File.WriteAllLinesAsync(Path.Combine(work, "sha256.txt"), files.Select(file => $"{Convert.ToHexStringLower(SHA256.HashData(file.Value!))}  {file.Key}"));

// The lock files a build would write, resolved once into a throwaway cache (huggingface_hub's cache not read).
var settings = new StateStoreSettings("hub", "HuggingFace", [new("Repository", repository), new("Endpoint", hub.Endpoint.AbsoluteUri), new("ReadHubCache", "false")], work);
var singles = files.Keys.Select((path, i) => new StateRequest(StateKey.Parse($"safetensors/bench.part{i + 1:D2}"), "hub") { Path = path }).ToList();
var bundle = new StateRequest(StateKey.Parse("safetensors/bench.bundle"), "hub") { Files = FilePatterns.Parse("*.safetensors") };
foreach (var (name, requests) in args.Contains("--no-locks") ? [] : new[] { ("single", singles), ("bundle", new List<StateRequest> { bundle }) })
{
    await using var stores = new StoreCatalog();
    stores.Add(new HuggingFaceStateStoreProvider(), settings);
    var cache = new StateCache(Path.Combine(work, $"locking-{name}"));
    var outcomes = await new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores }).ResolveAllAsync(requests);
    if (outcomes.FirstOrDefault(outcome => !outcome.Succeeded) is { } failed)
    {
        throw new InvalidOperationException(failed.Failure!.Message);
    }

    var lockPath = Path.Combine(work, $"{name}.lock.json");
    await StateLockFileFormat.WriteAsync(lockPath, new StateLockFile(outcomes.Select(outcome => outcome.ToLockEntry()), [LockFileStores.Describe(settings, work, lockPath)]));
    Directory.Delete(cache.Root, recursive: true);
}

Console.WriteLine($"ready {hub.Endpoint} commit {commit}");
while (Console.ReadLine() is { } line)
{
    if (line.Trim() == "count")
    {
        Console.WriteLine($"hub={hub.Requests.Count} storage={hub.Storage.Requests.Count}");
    }
}
