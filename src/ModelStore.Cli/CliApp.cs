using System.CommandLine;
using System.CommandLine.Help;
using System.Net.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Cli;

/// <summary>
/// The <c>modelstore</c> command line: list, pull, push, export, rm, cache, verify, clean, restore, mirror and env.
/// </summary>
/// <remarks>
/// Exit codes: 0 success, 1 a store or cache error (<c>error (Code): message</c>), 2 a usage error (an unknown command or
/// option, a bad key, an invalid store address). No stack trace is ever printed.
/// </remarks>
public static partial class CliApp
{
    /// <summary>The name users type.</summary>
    public const string CommandName = "modelstore";

    /// <summary>Runs the command line with the given writers (the tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new CommonOptions();
        var root = BuildCommand(options, output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var cli = new CliOutput(output, error, parse.GetValue(options.Json), quiet: false);
            // An unknown word in place of the command also makes System.CommandLine report that no command was given:
            // say only what is wrong with what the user typed.
            var problems = parse.Errors.Where(problem => parse.UnmatchedTokens.Any(token => problem.Message.Contains(token, StringComparison.Ordinal))).ToList();
            foreach (var problem in problems.Count > 0 ? problems : parse.Errors)
            {
                await cli.FailAsync(null, problem.Message, 2).ConfigureAwait(false);
            }

            await cli.NoteAsync($"Run '{CommandName} --help' for the commands and their options.").ConfigureAwait(false);
            return 2;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static Command BuildCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        // A plain command named after the tool: a RootCommand would take its name from the assembly (ModelStore.Cli).
        var root = new Command(CommandName, "modelstore: pretrained model states as verified, cached dependencies.")
        {
            new HelpOption(),
            new VersionOption(),
            options.Cache,
            options.Json,
            options.Quiet,
            options.Verbose,
            options.Verify,
        };

        foreach (var command in new[]
        {
            ListCommand(options, output, error),
            PullCommand(options, output, error),
            PushCommand(options, output, error),
            ExportCommand(options, output, error),
            RemoveCommand(options, output, error),
            CacheCommand(options, output, error),
            VerifyCommand(options, output, error),
            CleanCommand(options, output, error),
            RestoreCommand(options, output, error),
            MirrorCommand(options, output, error),
            EnvCommand(options, output, error),
        })
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Runs a command's action with its output, turning every failure into a message and an exit code.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Action(CommonOptions options, TextWriter output, TextWriter error, Func<ParseResult, CliOutput, CancellationToken, Task<int>> action) =>
        async (parse, cancellationToken) =>
        {
            var cli = new CliOutput(output, error, parse.GetValue(options.Json), parse.GetValue(options.Quiet));
            var created = CreatedStores.Value = [];
            CommandLogger.Value = parse.GetValue(options.Verbose) ? new ErrorStreamLogger(error) : NullLogger.Instance;
            try
            {
                return await action(parse, cli, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await cli.FailAsync(null, e.Message, 2).ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await cli.FailAsync("Canceled", "Stopped; a download through the cache resumes where it stopped next time.", 130).ConfigureAwait(false);
                return 130;
            }
            catch (Exception e) when (ResolutionFailure.FromException(e) is { } failure)
            {
                // The core's one mapping; what the user must fix in their input reads as a usage error (exit 2, no code).
                var usage = failure.ExitCode == 2 && failure.StoreError is null;
                await cli.FailAsync(usage ? null : failure.Code, failure.Message, failure.ExitCode).ConfigureAwait(false);
                return failure.ExitCode;
            }
#pragma warning disable CA1031 // The last resort: a tool reports, it does not crash with a stack trace.
            catch (Exception e)
#pragma warning restore CA1031
            {
                await cli.FailAsync("Internal", Downloads.UrlRedaction.RedactText($"{e.GetType().Name}: {e.Message}"), 1).ConfigureAwait(false);
                return 1;
            }
            finally
            {
                CommandLogger.Value = null;
                CreatedStores.Value = null;
                foreach (var store in created)
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                }
            }
        };

    // What the running command created and must release when it ends (stores, and catalogs, which release the stores
    // they created): one command creates them in many places (pull, mirror, restore...), and the command's action is the
    // one owner that sees them all.
    private static readonly AsyncLocal<List<IAsyncDisposable>?> CreatedStores = new();

    // A store of the command line, checked by the rules of a project's (an address is https, or http to loopback).
    private static IStateStore CreateStore(string spec, string[]? settings)
    {
        var definition = StoreSpec.Parse(spec, settings ?? [], Environment.CurrentDirectory);
        StoreEndpoints.CheckTransport(definition);
        return Own(StateStoreRegistry.Default.Create(definition));
    }

    // Declares the store of the command line in a catalog for the resolver; returns its name.
    private static string AddStore(StoreCatalog stores, string spec, string[]? settings)
    {
        var definition = StoreSpec.Parse(spec, settings ?? [], Environment.CurrentDirectory);
        var provider = StateStoreRegistry.Default.Find(definition.Kind)
            ?? throw new ArgumentException($"Store '{definition.Name}' has the unknown Kind '{definition.Kind}'. Known kinds: {string.Join(", ", StateStoreRegistry.Default.Kinds)}.");
        stores.Add(provider, definition);
        return definition.Name;
    }

    // Hands what the command created to the command, which disposes it when it ends.
    private static T Own<T>(T created)
        where T : IAsyncDisposable
    {
        CreatedStores.Value?.Add(created);
        return created;
    }

    // Where the running command's library logs go: the error stream with --verbose, nowhere otherwise.
    private static readonly AsyncLocal<ILogger?> CommandLogger = new();

    private static StateCache OpenCache(string? root) => new(root ?? StateCache.DefaultRoot) { Logger = CommandLogger.Value ?? NullLogger.Instance };

    /// <summary>The options every command takes, and the store options several share.</summary>
    private sealed class CommonOptions
    {
        public Option<string?> Cache { get; } = new("--cache") { Description = "Cache root (default: $MODELSTORE_HOME, else ~/.modelstore).", Recursive = true };

        public Option<bool> Json { get; } = new("--json") { Description = "Write results (and errors) as JSON, for scripts.", Recursive = true };

        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress bar and no notes; results and errors only.", Recursive = true };

        public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log what the cache does (hits, fetches, sizes, hashes) on the error stream.", Recursive = true };

        public Option<string> Store { get; } = new("--store", "-s") { Description = "The store: local:FOLDER (or a folder), s3://BUCKET/BASE/PATH, az://CONTAINER/BASE/PATH, github:OWNER/REPOSITORY, hf:ORG/NAME.", Required = true };

        public Option<string?> OptionalStore { get; } = new("--store", "-s") { Description = "The store the state came from (local:FOLDER, s3://BUCKET/BASE/PATH, az://CONTAINER/BASE/PATH, github:OWNER/REPOSITORY, hf:ORG/NAME)." };

        public Option<string?> Verify { get; } = new("--verify") { Description = $"How cached states are checked before use: stamp (a state unchanged since it was hashed is not hashed again) or full (hash every one; for CI). Default: ${VerifyVariable}, else stamp.", Recursive = true };

        public Option<string[]> Setting { get; } = new("--setting") { Description = "An extra store setting Name=Value (ServiceUrl, Region, Branch, Revision, RequestTimeoutSeconds, MaxRetries...), as in a ModelStore item.", AllowMultipleArgumentsPerToken = false };
    }

    /// <summary>The environment variable that sets <c>--verify</c> (<c>stamp</c> or <c>full</c>), like <c>ModelStoreVerify</c> in a build.</summary>
    internal const string VerifyVariable = "MODELSTORE_VERIFY";

    /// <summary><c>--verify</c>, else <c>$MODELSTORE_VERIFY</c>, else stamp.</summary>
    private static CacheVerification Verification(ParseResult parse, CommonOptions options)
    {
        var text = parse.GetValue(options.Verify) ?? Environment.GetEnvironmentVariable(VerifyVariable);
        return text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "stamp" => CacheVerification.Stamp,
            "full" => CacheVerification.Full,
            _ => throw new UsageException($"--verify (or ${VerifyVariable}) is '{StateStoreSettings.Printable(text)}', but it can only be 'stamp' or 'full'."),
        };
    }

    /// <summary>A usage error found after parsing (a missing file, an ambiguous choice): exit code 2.</summary>
    private sealed class UsageException(string message) : Exception(message);
}
