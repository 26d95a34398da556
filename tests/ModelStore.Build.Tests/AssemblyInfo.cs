// Integration tests spend most of their time in child `dotnet build` processes; two at a time overlap their I/O.
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.MethodLevel)]
