import '../main.css';
import { createApp } from 'vue';
import b24UiPlugin from '@bitrix24/b24ui-nuxt/vue-plugin';
import UploadRoot from './UploadRoot.vue';

const app = createApp(UploadRoot);
app.use(b24UiPlugin);
app.mount('#app');
