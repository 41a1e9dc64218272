import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { router } from './lib/state/router.svelte';
import { prefetchLeader } from './modes/leader/prefetch';

// The leader page's first data is asked for now, while the page's own code still downloads (prefetch.ts says why).
if (router.mode === 'leader') prefetchLeader(router.params);

mount(App, { target: document.getElementById('app')! });
