using System.CommandLine;
using System.CommandLine.Help;
using System.Net.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelStore.Caching;
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
            catch (StateStoreException e)
            {
                await cli.FailAsync(e.Error.ToString(), e.Message, 1).ConfigureAwait(false);
                return 1;
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                // A bad key, store address or setting: the message names the rule; the parameter name means nothing here.
                await cli.FailAsync(null, e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message, 2).ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await cli.FailAsync("Canceled", "Stopped; a download through the cache resumes where it stopped next time.", 130).ConfigureAwait(false);
                return 130;
            }
            catch (TimeoutException e)
            {
                await cli.FailAsync("Timeout", e.Message, 1).ConfigureAwait(false);
                return 1;
            }
            catch (HttpRequestException e)
            {
                await cli.FailAsync("Unreachable", Downloads.UrlRedaction.RedactText(e.Message), 1).ConfigureAwait(false);
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await cli.FailAsync("Cache", $"{e.Message} Check the folder's permissions and free space, or choose another cache with --cache or MODELSTORE_HOME.", 1).ConfigureAwait(false);
                return 1;
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

    // The stores the running command created (CreateStore, Own), disposed when it ends: one command creates them in
    // many places (pull, mirror, restore...), and the command's action is the one owner that sees them all.
    private static readonly AsyncLocal<List<IStateStore>?> CreatedStores = new();

    private static IStateStore CreateStore(string spec, string[]? settings) =>
        Own(StateStoreRegistry.Default.Create(StoreSpec.Parse(spec, settings ?? [], Environment.CurrentDirectory)));

    // Hands a store the command created to the command, which disposes it when it ends.
    private static IStateStore Own(IStateStore store)
    {
        CreatedStores.Value?.Add(store);
        return store;
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

        public Option<string[]> Setting { get; } = new("--setting") { Description = "An extra store setting Name=Value (ServiceUrl, Region, Branch, Revision, RequestTimeoutSeconds, MaxRetries...), as in a ModelStore item.", AllowMultipleArgumentsPerToken = false };
    }

    /// <summary>A usage error found after parsing (a missing file, an ambiguous choice): exit code 2.</summary>
    private sealed class UsageException(string message) : Exception(message);
}
