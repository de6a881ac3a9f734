namespace DevServer.RepoInsight.Tests;

public sealed class SymbolScannerTests
{
    public static TheoryData<string, string, string[]> Sources => new()
    {
        {
            SourceLanguages.Python,
            """
            import os

            class Repository:
                \"\"\"def not_a_function(): inside a docstring\"\"\"

                def __init__(self, root):
                    self.root = root

                async def fetch(self):
                    def helper():
                        return 1
                    return helper()

            # def commented_out():
            def main():
                pass
            """,
            ["Class Repository:3", "Method __init__:6", "Method fetch:9", "Function helper:10", "Function main:15"]
        },
        {
            SourceLanguages.TypeScript,
            """
            export interface TaskOptions<T = unknown> {
              retries: number;
            }
            export type TaskId = string;
            export enum Status { Pending, Done }
            /* export class Commented {} */
            export abstract class Runner<T> extends Base implements Disposable {
              private readonly count = 0;
              constructor(private readonly options: TaskOptions) {
                super();
              }
              async run(input: T): Promise<void> {
                await this.step(input);
              }
              abstract dispose(): void;
            }
            export function createRunner(options: TaskOptions): Runner<string> {
              return null!;
            }
            export const toId = (value: string): TaskId => value;
            namespace Internal {}
            """,
            ["Interface TaskOptions:1", "TypeAlias TaskId:4", "Enum Status:5", "Class Runner:7", "Method constructor:9", "Method run:12", "Method dispose:15",
             "Function createRunner:17", "Function toId:20", "Namespace Internal:21"]
        },
        {
            SourceLanguages.JavaScript,
            """
            'use strict';
            // function commented() {}
            class Queue {
              push(item) {
                this.items.push(item);
              }
              get size() {
                return this.items.length;
              }
            }
            function* ids() { yield 1; }
            const parse = function (text) { return text; };
            const format = (value) => String(value);
            module.exports.render = function render() {};
            Queue.prototype.drain = function () {};
            const api = { start: function () {}, stop() {} };
            """,
            ["Class Queue:3", "Method push:4", "Method size:7", "Function ids:11", "Function parse:12", "Function format:13", "render:14", "Method drain:15", "Method start:16"]
        },
        {
            SourceLanguages.CSharp,
            """
            namespace DevServer.Sample;

            /// <summary>class NotAType in a comment</summary>
            public sealed record TaskId(long Value);

            internal static partial class Program
            {
                public static async Task<int> Main(string[] args)
                {
                    return await RunAsync(args);
                }

                private static Task<int> RunAsync(string[] args) => Task.FromResult(0);
            }

            public interface IStore { void Save(string key); }
            public readonly struct Point { }
            public enum Color { Red }
            """,
            ["Namespace DevServer.Sample:1", "Record TaskId:4", "Class Program:6", "Method Main:8", "Method RunAsync:13", "Interface IStore:16", "Struct Point:17", "Enum Color:18"]
        },
        {
            SourceLanguages.Go,
            """
            package store

            type Store struct {
                path string
            }

            type Reader interface {
                Read() error
            }

            // func Commented() {}
            func New(path string) *Store {
                return &Store{path: path}
            }

            func (s *Store) Save(key string) error {
                return nil
            }
            """,
            ["Struct Store:3", "Interface Reader:7", "Function New:12", "Method Save:16"]
        },
        {
            SourceLanguages.Rust,
            """
            pub struct Config {
                name: String,
            }

            pub enum Mode { Fast, Slow }

            pub trait Runner {
                fn run(&self);
            }

            impl Runner for Config {
                fn run(&self) {}
            }

            pub(crate) async fn start() {}
            mod tests {}
            macro_rules! log { () => {} }
            """,
            ["Struct Config:1", "Enum Mode:5", "Trait Runner:7", "Method run:8", "Implementation Config:11", "Method run:12", "Function start:15", "Module tests:16", "Macro log:17"]
        },
        {
            SourceLanguages.Java,
            """
            package sample;

            @Service
            public final class OrderService implements Service {
                private final Repository repository;

                public OrderService(Repository repository) {
                    this.repository = repository;
                }

                @Override
                public List<Order> findAll(String owner) {
                    return repository.find(owner);
                }

                interface Listener { void onOrder(Order order); }
                enum State { NEW, DONE }
            }
            """,
            ["Class OrderService:4", "Method OrderService:7", "Method findAll:12", "Interface Listener:16", "Enum State:17"]
        },
        {
            SourceLanguages.Kotlin,
            """
            package sample

            data class User(val name: String)

            object Registry {
                fun register(user: User) {}
            }

            interface Repo

            suspend fun load(): User = TODO()
            typealias Users = List<User>
            """,
            ["Class User:3", "Singleton Registry:5", "Method register:6", "Interface Repo:9", "Function load:11", "TypeAlias Users:12"]
        },
        {
            SourceLanguages.Ruby,
            """
            module Billing
              class Invoice
                def initialize(total)
                  @total = total
                end

                def self.build
                end
              end
            end
            # def commented
            """,
            ["Module Billing:1", "Class Invoice:2", "Method initialize:3", "Method build:7"]
        },
        {
            SourceLanguages.Php,
            """
            <?php
            namespace App;

            interface Repository {}

            final class UserController
            {
                public function index(): array
                {
                    return [];
                }
            }

            function helper() {}
            """,
            ["Interface Repository:4", "Class UserController:6", "Method index:8", "Function helper:14"]
        },
        {
            SourceLanguages.Sql,
            """
            -- CREATE TABLE commented (id int);
            CREATE TABLE IF NOT EXISTS tasks (id bigint primary key);
            create or replace view open_tasks as select * from tasks;
            CREATE FUNCTION next_task() RETURNS bigint AS $$ select 1 $$ LANGUAGE sql;
            CREATE PROCEDURE archive() LANGUAGE sql AS $$ delete from tasks $$;
            """,
            ["Table tasks:2", "View open_tasks:3", "Function next_task:4", "Procedure archive:5"]
        },
        {
            SourceLanguages.Shell,
            """
            #!/usr/bin/env bash
            # deploy() { commented; }
            log() { echo "$#"; }
            function build {
              make
            }
            function test_all() {
              make test
            }
            """,
            ["Function log:3", "Function build:4", "Function test_all:7"]
        },
        {
            SourceLanguages.C,
            """
            #include <stdio.h>
            #define MAX_ITEMS 16

            struct buffer {
                char *data;
            };

            typedef struct {
                int x;
            } point_t;

            typedef int (*compare_fn)(const void *, const void *);
            enum color { RED, GREEN };
            /* int commented(void) { return 0; } */
            static int
            parse_line(const char *line)
            {
                if (line == NULL) {
                    return -1;
                }
                return 0;
            }

            int main(int argc, char **argv) {
                return parse_line(argv[0]);
            }
            """,
            ["Macro MAX_ITEMS:2", "Struct buffer:4", "Typedef point_t:10", "Typedef compare_fn:12", "Enum color:13", "Function parse_line:16", "Function main:24"]
        },
        {
            SourceLanguages.Cpp,
            """
            namespace app {

            class Engine final : public Base {
            public:
                explicit Engine(int size) : size_(size) {}
                void run() const override {
                    step();
                }
            private:
                int size_;
            };

            Engine::~Engine() {}

            }  // namespace app
            """,
            ["Namespace app:1", "Class Engine:3", "Function Engine:5", "Function run:6", "Function Engine::~Engine:13"]
        },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void Scan_RealLookingSource_FindsTheDefinitions(string language, string source, string[] expected)
    {
        var symbols = SymbolScanner.Scan(language, source.ReplaceLineEndings("\n"));
        var found = symbols.Select(s => $"{s.Kind} {s.Name}:{s.Line}").ToList();
        foreach (var entry in expected)
        {
            // An entry without a kind ("render:14") checks only the name and line.
            var matched = entry.Contains(' ', StringComparison.Ordinal)
                ? found.Contains(entry)
                : symbols.Any(s => $"{s.Name}:{s.Line}" == entry);
            Assert.True(matched, $"{language}: expected {entry} in [{string.Join(", ", found)}]");
        }
    }

    [Theory]
    [InlineData(SourceLanguages.Python, "# class Hidden:\n\"\"\"\nclass AlsoHidden:\n\"\"\"\n")]
    [InlineData(SourceLanguages.JavaScript, "/*\nfunction hidden() {}\n*/\n// class Hidden {}\n")]
    [InlineData(SourceLanguages.Go, "/* func Hidden() {} */\n// type Hidden struct{}\n")]
    [InlineData(SourceLanguages.Sql, "-- create table hidden (id int);\n/* create view hidden as select 1; */\n")]
    public void Scan_DefinitionsInCommentsOrDocstrings_AreNotReported(string language, string source)
    {
        Assert.Empty(SymbolScanner.Scan(language, source));
    }

    [Fact]
    public void Scan_CommentMarkerInsideAString_DoesNotHideTheCodeAfterIt()
    {
        var source = "const glob = \"src/**/*.js\";\nfunction visible() {}\n// */\n";

        var symbols = SymbolScanner.Scan(SourceLanguages.JavaScript, source);

        Assert.Contains(symbols, s => s.Name == "visible" && s.Line == 2);
    }

    [Fact]
    public void Scan_CallsAndControlFlow_AreNotTakenForMethods()
    {
        var source = "class A {\n  run() {\n    if (x) {\n    }\n    for (const y of z) {\n    }\n    foo(bar);\n  }\n}\n";

        var names = SymbolScanner.Scan(SourceLanguages.JavaScript, source).Select(s => s.Name).ToList();

        Assert.Equal(["A", "run"], names);
    }

    [Fact]
    public void ForPath_KnownAndUnknownExtensions_MapToLanguages()
    {
        Assert.Equal(SourceLanguages.TypeScript, SourceLanguages.ForPath("web/src/app.tsx"));
        Assert.Equal(SourceLanguages.Shell, SourceLanguages.ForPath("deploy/install.sh"));
        Assert.Equal(SourceLanguages.Cpp, SourceLanguages.ForPath("src/engine.cpp"));
        Assert.Null(SourceLanguages.ForPath("README.md"));
    }
}
