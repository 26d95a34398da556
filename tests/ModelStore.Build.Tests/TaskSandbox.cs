using System.Security.Cryptography;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelStore.Build.Tasks;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests;

/// <summary>A temporary project folder with a local store, a cache and an instance of the task to run in it.</summary>
internal sealed class TaskSandbox : IDisposable
{
    public TaskSandbox()
    {
        Root = Directory.CreateTempSubdirectory("msb-task-").FullName;
        Directory.CreateDirectory(StoreFolder);
    }

    public string Root { get; }

    public string ProjectFile => Path.Combine(Root, "app.csproj");

    public string StoreFolder => Path.Combine(Root, "states");

    public string CacheRoot => Path.Combine(Root, "home");

    public string LockFile => Path.Combine(Root, "modelstates.lock.json");

    public string DescriptorDirectory => Path.Combine(Root, "obj", "modelstates");

    /// <summary>The descriptor file the task writes there: a [state] section per resolved state.</summary>
    public string DescriptorFile => Path.Combine(DescriptorDirectory, "states.modelstates");

    public string StampFile => Path.Combine(Root, "obj", "modelstates.stamp");

    public ObservedStoreProvider Observed { get; } = new();

    /// <summary>Publishes random bytes under <paramref name="key"/> in the local store; returns their SHA-256.</summary>
    public string Publish(string key, int size = 4096, bool overwrite = false)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        new LocalStateStore(StoreFolder).WriteAsync(StateKey.Parse(key), new MemoryStream(bytes), overwrite).GetAwaiter().GetResult();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public static TaskItem Store(string name, string kind, params (string Name, string Value)[] settings)
    {
        var item = new TaskItem(name);
        if (kind.Length > 0)
        {
            item.SetMetadata("Kind", kind);
        }

        foreach (var (settingName, value) in settings)
        {
            item.SetMetadata(settingName, value);
        }

        return item;
    }

    public TaskItem LocalStore(string name = "local") => Store(name, "Local", ("Folder", "states"));

    public TaskItem ObservedStoreItem(string name = "local") => Store(name, "Observed", ("Folder", "states"));

    public static TaskItem State(string key, string store = "local", params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(key);
        item.SetMetadata("Store", store);
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        return item;
    }

    /// <summary>A task wired to this sandbox; the registry knows Local and Observed.</summary>
    public ResolveModelStates CreateTask(ITaskItem[] stores, ITaskItem[] states, FakeBuildEngine engine) => new()
    {
        BuildEngine = engine,
        Stores = stores,
        States = states,
        ProjectFile = ProjectFile,
        LockFile = LockFile,
        DescriptorDirectory = DescriptorDirectory,
        StampFile = StampFile,
        CacheRoot = CacheRoot,
        Registry = new StateStoreRegistry(new LocalStateStoreProvider(), Observed),
    };

    /// <summary>Runs the task on <paramref name="states"/> from one local store; returns the task and its log.</summary>
    public (bool Success, ResolveModelStates Task, FakeBuildEngine Engine) Run(ITaskItem[] states, ITaskItem[]? stores = null, Action<ResolveModelStates>? configure = null)
    {
        var engine = new FakeBuildEngine();
        var task = CreateTask(stores ?? [LocalStore()], states, engine);
        configure?.Invoke(task);
        var success = task.Execute();
        return (success, task, engine);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
