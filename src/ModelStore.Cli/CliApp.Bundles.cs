using System.CommandLine;
using ModelStore.Caching;
using ModelStore.IO;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Cli;

// pull --include/--exclude: a bundle state, listed (--dry-run), fetched through the one resolver, copied (--local-dir).
public static partial class CliApp
{
    private static FilePatterns? BundlePatterns(string[]? include, string[]? exclude, string? localDir, bool dryRun)
    {
        if (include is not { Length: > 0 })
        {
            return exclude is { Length: > 0 } || localDir is not null || dryRun
                ? throw new UsageException("--exclude, --local-dir and --dry-run go with --include (the files of a bundle).")
                : null;
        }

        try
        {
            return new FilePatterns([.. include, .. (exclude ?? []).Select(pattern => "!" + pattern)]);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--include/--exclude: {ResolutionFailure.WithoutParameterName(e)}");
        }
    }

    private static async Task<int> PullBundleAsync(ParseResult parse, CommonOptions options, CliOutput cli, StoreCatalog stores, StateRequest request, FilePatterns patterns, string? localDir, bool dryRun, CancellationToken cancellationToken)
    {
        if (request.Url is not null || request.Path is not null || request.Sha256 is not null)
        {
            throw new UsageException("--include makes a bundle of a --store's files; it takes no --url, --path or --sha256.");
        }

        if (dryRun)
        {
            var (store, revision) = await StateResolver.PinAsync(stores.Open(request.Store), null, cancellationToken).ConfigureAwait(false);
            var listing = store as IFileListingStore ?? throw new UsageException($"{store.Description} cannot list its files; --include needs a Local, S3, AzureBlob, HuggingFace or Oci store.");
            var files = patterns.Select(await listing.ListFilesAsync(cancellationToken).ConfigureAwait(false), store.Description);
            foreach (var file in files)
            {
                await cli.LineAsync($"{file.Path}  {ProgressBar.FormatBytes(file.Size)}").ConfigureAwait(false);
            }

            await cli.LineAsync($"{files.Count} file(s), {ProgressBar.FormatBytes(files.Sum(file => file.Size))}{(revision is null ? "" : $" at commit {revision.Resolved}")}; nothing fetched (--dry-run).").ConfigureAwait(false);
            await cli.JsonAsync(new BundlePlanDocument(request.Key.ToString(), revision?.Resolved, files.Select(file => new BundlePlannedFileDocument(file.Path, file.Size)))).ConfigureAwait(false);
            return 0;
        }

        var outcome = await ResolveAsync(OpenCache(parse.GetValue(options.Cache)), stores, request with { Files = patterns }, Verification(parse, options), cli, cancellationToken).ConfigureAwait(false);
        var folder = outcome.Path!;
        if (localDir is not null)
        {
            folder = Path.GetFullPath(localDir);
            foreach (var file in outcome.Files!)
            {
                // Each file written beside and renamed into place: a reader of the folder never sees half a file.
                var target = Path.Combine(folder, file.Path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var source = File.OpenRead(Path.Combine(outcome.Path!, file.Path.Replace('/', Path.DirectorySeparatorChar)));
                await using (source.ConfigureAwait(false))
                {
                    var temporary = AtomicFile.CreateTemporary(target, out var temporaryPath);
                    try
                    {
                        await source.CopyToAsync(temporary, cancellationToken).ConfigureAwait(false);
                        await AtomicFile.CommitAsync(temporary, temporaryPath, target, overwrite: true).ConfigureAwait(false);
                    }
                    catch
                    {
                        await temporary.DisposeAsync().ConfigureAwait(false);
                        AtomicFile.Discard(temporaryPath);
                        throw;
                    }
                }
            }
        }

        foreach (var file in outcome.Files!)
        {
            await cli.LineAsync($"{file.Path}  sha256:{file.Sha256}  {ProgressBar.FormatBytes(file.Size)}").ConfigureAwait(false);
        }

        await cli.LineAsync($"{outcome.Key}  {outcome.Files!.Count} file(s)  {ProgressBar.FormatBytes(outcome.Size)}  {folder}").ConfigureAwait(false);
        await cli.JsonAsync(new BundlePullDocument(outcome.Key.ToString(), outcome.Request.Store, outcome.Sha256, outcome.Size, folder, outcome.Revision?.Resolved, outcome.Files!.Select(file => new BundleFileDocument(file.Path, file.Sha256, file.Size)))).ConfigureAwait(false);
        return 0;
    }
}
