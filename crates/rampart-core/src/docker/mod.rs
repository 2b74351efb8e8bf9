//! Docker artefacts: Compose services and `docker inspect` containers read into one
//! model ([`ContainerSpec`]), images from their configuration and history
//! ([`ImageSpec`]), the daemon configuration ([`DaemonConfig`]) and Dockerfiles
//! ([`DockerfileView`]).
//!
//! The readers only translate; every decision is a rule in [`crate::rules`].

mod built;
mod compose;
mod container;
mod daemon;
mod dockerfile;
mod expand;
mod extends;
mod image;
mod inspect;

pub use built::{BuiltImage, ImageUser};
pub use compose::compose_services;
pub use container::{ContainerSpec, Mount, Origin, PortBinding, RestartPolicy, Setting};
pub use daemon::{DaemonConfig, EngineDaemon, ROOTLESS, SWARM, docker_root_dir};
pub(crate) use daemon::{is_engine_daemon, looks_like_daemon_config};
pub use dockerfile::{DockerfileView, ImageRef, ParsedDockerfile, Stage, parse_dockerfile, words};
pub use expand::{Lookup, Variables, expand};
pub use image::{HistoryStep, ImageSpec, inspect_images, is_image};
pub use inspect::inspect_containers;
pub(crate) use inspect::is_inspect_container as inspect_is_container;
