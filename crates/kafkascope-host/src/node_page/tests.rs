use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::cpu_stat::parse_cpu_stat;
use crate::diskstats::parse_diskstats;
use crate::file_nr::FileHandles;
use crate::filesystem_stats::FilesystemSpace;
use crate::host_error::HostError;
use crate::host_reading::UnameInfo;
use crate::loadavg::LoadAverage;
use crate::meminfo::parse_meminfo;
use crate::mounts::Mount;
use crate::net_dev::parse_net_dev;

fn done<T>(value: T) -> Collected<T> {
    Collected {
        result: Ok(value),
        duration: Duration::from_millis(2),
    }
}

fn reading() -> HostReading {
    let net = "h\nh\n  eth0: 10 1 2 3 0 0 0 0 20 2 4 5 0 0 0 0\n";
    HostReading {
        cpu: done(
            parse_cpu_stat("cpu 1 2 3 4\ncpu0 150 0 25 1000 5 0 1 0\nbtime 1700000000\n").unwrap(),
        ),
        meminfo: done(parse_meminfo("MemTotal: 2048 kB\nHugePages_Total: 3\n").unwrap()),
        loadavg: done(LoadAverage {
            one: 0.5,
            five: 0.25,
            fifteen: 1.0,
        }),
        diskstats: done(parse_diskstats("8 0 sda 1 2 3 4000 5 6 7 8 9 1500 11\n").unwrap()),
        net_dev: done(parse_net_dev(net).unwrap()),
        file_nr: done(FileHandles {
            allocated: 12,
            maximum: 100,
        }),
        filesystems: done(vec![
            FilesystemStats {
                mount: Mount {
                    device: "/dev/sdb1".into(),
                    mountpoint: "/data/kafka \"logs\"".into(),
                    fstype: "xfs".into(),
                    read_only: true,
                },
                space: Some(FilesystemSpace {
                    size_bytes: 4096,
                    free_bytes: 2048,
                    avail_bytes: 1024,
                    files: 10,
                    files_free: 7,
                }),
            },
            FilesystemStats {
                mount: Mount {
                    device: "nfs:/x".into(),
                    mountpoint: "/nfs".into(),
                    fstype: "nfs4".into(),
                    read_only: false,
                },
                space: None,
            },
        ]),
        uname: UnameInfo {
            sysname: "Linux".into(),
            nodename: "kafka-1".into(),
            release: "6.1.0".into(),
            version: "#1 SMP".into(),
            machine: "x86_64".into(),
            domainname: "(none)".into(),
        },
        time_seconds: 1_700_000_100.5,
    }
}

#[test]
fn a_reading_is_written_under_node_exporters_names_and_help() {
    let page = render_page(&reading());
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/src/node_page/golden_page.txt");
    // KAFKASCOPE_REWRITE_GOLDEN=1 writes what the renderer says now, for
    // review in the diff.
    if std::env::var_os("KAFKASCOPE_REWRITE_GOLDEN").is_some() {
        std::fs::write(golden, &page).unwrap();
    }
    assert_eq!(page, std::fs::read_to_string(golden).unwrap());
}

#[test]
fn a_failed_reader_leaves_its_families_out_and_the_rest_in() {
    let mut reading = reading();
    reading.meminfo.result = Err(HostError::Parse {
        path: PathBuf::from("/proc/meminfo"),
        line: 3,
        reason: "no ':' after the field name".into(),
    });
    let page = render_page(&reading);
    assert!(!page.contains("node_memory_"), "{page}");
    assert!(page.contains("\nnode_load1 0.5\n"));
    assert!(page.contains("node_scrape_collector_success{collector=\"meminfo\"} 0\n"));
    assert!(page.contains("node_scrape_collector_success{collector=\"cpu\"} 1\n"));
    let errors: Vec<(&str, String)> = reading
        .collector_errors()
        .into_iter()
        .map(|(name, e)| (name, e.to_string()))
        .collect();
    assert_eq!(
        errors,
        vec![(
            "meminfo",
            "/proc/meminfo line 3: no ':' after the field name".to_string()
        )]
    );
}

#[test]
fn values_the_format_spells_specially_are_spelt_so() {
    let mut out = String::new();
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.1, 1e21] {
        v.write_to(&mut out);
        out.push(' ');
    }
    assert_eq!(out, "NaN +Inf -Inf 0.1 1000000000000000000000 ");
}
